import { describe, expect, it } from 'vitest';
import { OneAtATime } from './one-at-a-time.js';

describe('OneAtATime', () => {
  it('starts each task after the previous one settled, in call order, whatever each one does', async () => {
    const queue = new OneAtATime();
    const events: string[] = [];
    const task = (name: string, fail: boolean) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      queue.run(task('a', false)),
      queue.run(task('b', true)),
      queue.run(task('c', false)),
    ]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
