import { describe, expect, it } from 'vitest';
import { backoffDelay, delay } from './backoff.js';

describe('backoffDelay', () => {
  it('grows exponentially and caps at the maximum', () => {
    const noJitter = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, noJitter))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('draws the jittered part at random within bounds', () => {
    const o = { initialDelayMs: 1000, jitter: 0.5 };
    expect(backoffDelay(1, o, () => 0)).toBe(500);
    expect(backoffDelay(1, o, () => 1)).toBe(1000);
  });
});

describe('delay', () => {
  it('ends early when the signal aborts', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = delay(60_000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
