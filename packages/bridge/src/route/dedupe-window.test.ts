import { describe, expect, it } from 'vitest';
import { DedupeWindow } from './dedupe-window.js';

function clock() {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
}

describe('DedupeWindow', () => {
  it('remembers an id for the window, then forgets it', () => {
    const c = clock();
    const w = new DedupeWindow({ windowMs: 1000, maxIds: 10, now: c.now });
    expect(w.has('a')).toBe(false);
    w.add('a');
    c.t += 999;
    expect(w.has('a')).toBe(true);
    c.t += 1;
    expect(w.has('a')).toBe(false);
    expect(w.size).toBe(0);
  });

  it('keeps at most maxIds, forgetting the oldest first', () => {
    const w = new DedupeWindow({ windowMs: 60_000, maxIds: 3, now: clock().now });
    for (const id of ['a', 'b', 'c', 'd']) w.add(id);
    expect(w.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => w.has(id))).toEqual([false, true, true, true]);
  });

  it('renews an id added again, so it outlives ids added between', () => {
    const c = clock();
    const w = new DedupeWindow({ windowMs: 1000, maxIds: 2, now: c.now });
    w.add('a');
    c.t += 500;
    w.add('b');
    w.add('a');
    w.add('c');
    expect([w.has('a'), w.has('b'), w.has('c')]).toEqual([true, false, true]);
    c.t += 999;
    expect([w.has('a'), w.has('c')]).toEqual([true, true]);
    c.t += 1;
    expect(w.size).toBe(0);
  });

  it('stays bounded over a long run of distinct ids', () => {
    const c = clock();
    const w = new DedupeWindow({ windowMs: 10_000, maxIds: 1000, now: c.now });
    for (let i = 0; i < 50_000; i++) {
      w.add(`id-${i}`);
      c.t += 1;
    }
    expect(w.size).toBe(1000);
    expect(w.has('id-49999')).toBe(true);
    expect(w.has('id-48999')).toBe(false);
  });

  it('tells ids apart whatever their length, and treats them as opaque text', () => {
    const w = new DedupeWindow({ windowMs: 1000, maxIds: 10, now: clock().now });
    const long = 'x'.repeat(10_000);
    w.add(long);
    expect(w.has(long)).toBe(true);
    expect(w.has(`${long}y`)).toBe(false);
    expect(w.has('__proto__')).toBe(false);
  });

  it('refuses a window or a count that bounds nothing', () => {
    expect(() => new DedupeWindow({ windowMs: 0, maxIds: 1 })).toThrow(/windowMs > 0/);
    expect(() => new DedupeWindow({ windowMs: 1, maxIds: 0 })).toThrow(/maxIds >= 1/);
  });
});
