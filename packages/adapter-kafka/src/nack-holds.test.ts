import { afterEach, describe, expect, it, vi } from 'vitest';
import { NackHolds } from './nack-holds.js';

describe('NackHolds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands each item back after its own wait, and never after cancelAll took it', () => {
    vi.useFakeTimers();
    const due: string[] = [];
    const holds = new NackHolds<string>((item) => due.push(item));
    holds.hold('a', 100);
    holds.hold('b', 50);
    holds.hold('c', 300);
    vi.advanceTimersByTime(99);
    expect(due).toEqual(['b']);
    vi.advanceTimersByTime(1);
    expect(due).toEqual(['b', 'a']);
    expect(holds.size).toBe(1);
    expect(holds.cancelAll()).toEqual(['c']);
    expect(holds.cancelAll()).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(due).toEqual(['b', 'a']);
  });
});
