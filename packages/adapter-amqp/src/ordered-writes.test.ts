import { describe, expect, it } from 'vitest';
import { OrderedWrites, type WriteStep } from './ordered-writes.js';

/** A job writing `items` to `out`, pausing (until `gate` resolves) before the item named `pauseAt`. */
function job(out: string[], items: string[], pauseAt?: string, gate?: Promise<void>): WriteStep {
  let next = 0;
  let paused = false;
  return () => {
    while (next < items.length) {
      const item = items[next] as string;
      if (item === pauseAt && !paused && gate) {
        paused = true;
        return gate;
      }
      out.push(item);
      next++;
    }
    return undefined;
  };
}

describe('OrderedWrites', () => {
  it('runs a job synchronously when idle', () => {
    const out: string[] = [];
    const writes = new OrderedWrites();
    writes.submit(job(out, ['a', 'b']));
    expect(out).toEqual(['a', 'b']);
    expect(writes.pending).toBe(0);
  });

  it('queues later jobs behind one that waits, and keeps submission order', async () => {
    const out: string[] = [];
    const writes = new OrderedWrites();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    writes.submit(job(out, ['a1', 'a2', 'a3'], 'a2', gate));
    writes.submit(job(out, ['b1']));
    writes.submit(job(out, ['c1', 'c2']));
    expect(out).toEqual(['a1']);
    expect(writes.pending).toBe(3);
    open();
    await gate;
    await Promise.resolve();
    expect(out).toEqual(['a1', 'a2', 'a3', 'b1', 'c1', 'c2']);
    expect(writes.pending).toBe(0);
    writes.submit(job(out, ['d1']));
    expect(out.at(-1)).toBe('d1');
  });

  it('lets a job wait several times before it finishes', async () => {
    const out: string[] = [];
    const writes = new OrderedWrites();
    let waits = 0;
    writes.submit(() => {
      if (waits < 3) {
        waits++;
        return Promise.resolve();
      }
      out.push('done');
      return undefined;
    });
    writes.submit(job(out, ['next']));
    for (let i = 0; i < 10 && out.length < 2; i++) await Promise.resolve();
    expect(out).toEqual(['done', 'next']);
  });
});
