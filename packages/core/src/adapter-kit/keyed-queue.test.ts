import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

function drainAll(q: KeyedQueue<number>): number[] {
  const out: number[] = [];
  for (let e = q.take(); e; e = q.take()) {
    out.push(e.value);
    q.release(e);
  }
  return out;
}

describe('KeyedQueue', () => {
  it('is FIFO when nothing is out', () => {
    const q = new KeyedQueue<number>();
    for (let i = 0; i < 5; i++) q.push(i, i % 2 === 0 ? 'a' : undefined);
    expect(drainAll(q)).toEqual([0, 1, 2, 3, 4]);
    expect(q.size).toBe(0);
  });

  it('holds later entries of a key while one is out, letting other keys pass', () => {
    const q = new KeyedQueue<string>();
    q.push('a1', 'a');
    q.push('a2', 'a');
    q.push('b1', 'b');
    q.push('u1', undefined);
    const a1 = q.take();
    expect(a1?.value).toBe('a1');
    expect(q.take()?.value).toBe('b1');
    expect(q.take()?.value).toBe('u1');
    expect(q.take()).toBeUndefined();
    expect(q.size).toBe(1);
    q.release(a1!);
    expect(q.take()?.value).toBe('a2');
    expect(q.size).toBe(0);
  });

  it('puts a requeued entry back in front of its key', () => {
    const q = new KeyedQueue<string>();
    q.push('a1', 'a');
    q.push('a2', 'a');
    q.push('a3', 'a');
    const a1 = q.take()!;
    expect(q.take()).toBeUndefined();
    q.requeue(a1);
    expect(q.size).toBe(3);
    const again = q.take()!;
    expect(again.value).toBe('a1');
    q.release(again);
    expect(q.take()?.value).toBe('a2');
  });

  it('puts a requeued unkeyed entry at the head', () => {
    const q = new KeyedQueue<string>();
    q.push('u1', undefined);
    q.push('u2', undefined);
    const u1 = q.take()!;
    q.requeue(u1);
    expect(q.take()?.value).toBe('u1');
  });

  it('clear drops waiting entries but keeps a key that is out held until it is released', () => {
    const q = new KeyedQueue<string>();
    q.push('a1', 'a');
    q.push('a2', 'a');
    q.push('b1', 'b');
    q.push('u1', undefined);
    const a1 = q.take()!;
    expect(q.take()?.value).toBe('b1');
    q.clear();
    expect(q.size).toBe(0);
    expect(q.take()).toBeUndefined();
    q.push('a3', 'a');
    q.push('c1', 'c');
    expect(q.take()?.value, 'a is still out').toBe('c1');
    expect(q.take()).toBeUndefined();
    q.release(a1);
    expect(q.take()?.value).toBe('a3');
    expect(q.size).toBe(0);
  });

  it('keeps per-key order over many interleaved keys with random release order', () => {
    const q = new KeyedQueue<{ key: string; seq: number }>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const key = `k${i % 7}`;
      const seq = counts.get(key) ?? 0;
      counts.set(key, seq + 1);
      q.push({ key, seq }, key);
    }
    const seen = new Map<string, number>();
    const out: Array<ReturnType<typeof q.take>> = [];
    let taken = 0;
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    while (taken < 2000) {
      for (let e = q.take(); e; e = q.take()) out.push(e);
      const i = Math.floor(rand() * out.length);
      const [e] = out.splice(i, 1);
      if (!e) continue;
      const last = seen.get(e.value.key) ?? -1;
      expect(e.value.seq).toBe(last + 1);
      seen.set(e.value.key, e.value.seq);
      if (rand() < 0.2) q.requeue(e);
      else {
        q.release(e);
        taken++;
        continue;
      }
      seen.set(e.value.key, last);
    }
    expect(q.size).toBe(0);
  });
});
