import { describe, expect, it } from 'vitest';
import { EventLoopDelay } from './event-loop-delay.js';

/** Holds the event loop for `ms` (a blocking callback, as a runaway expression would be). */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('EventLoopDelay', () => {
  it('reports a blocked event loop as its maximum delay, and keeps it across reads', async () => {
    const delay = new EventLoopDelay();
    try {
      await tick();
      block(300);
      await tick();
      const first = delay.read();
      expect(first.maxMs).toBeGreaterThanOrEqual(250);
      expect(first.p99Ms).toBeLessThanOrEqual(first.maxMs);
      expect(first.sinceMs).toBeGreaterThanOrEqual(300);
      await tick();
      expect(delay.read().maxMs).toBeGreaterThanOrEqual(first.maxMs);
    } finally {
      delay.stop();
    }
  });

  it('keeps answering after stop, without sampling further (a second stop is harmless)', async () => {
    const delay = new EventLoopDelay();
    await tick();
    delay.stop();
    const before = delay.read().maxMs;
    block(200);
    await tick();
    expect(delay.read().maxMs).toBe(before);
    delay.stop();
  });
});
