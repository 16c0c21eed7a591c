import { describe, expect, it } from 'vitest';
import { AttemptTracker } from './attempt-tracker.js';

describe('AttemptTracker', () => {
  it('counts 1 on first delivery and +1 on each redelivery of the same id', () => {
    const t = new AttemptTracker();
    expect(t.attempt('a', false)).toBe(1);
    expect(t.attempt('a', true)).toBe(2);
    expect(t.attempt('a', true)).toBe(3);
    expect(t.attempt('b', false)).toBe(1);
  });

  it('starts a redelivery it has not seen at 2 (another process had it)', () => {
    expect(new AttemptTracker().attempt('x', true)).toBe(2);
    expect(new AttemptTracker().attempt(undefined, true)).toBe(2);
    expect(new AttemptTracker().attempt(undefined, false)).toBe(1);
  });

  it('prefers the broker delivery count (quorum x-delivery-count) when present', () => {
    const t = new AttemptTracker();
    expect(t.attempt('q', true, 4)).toBe(5);
    expect(t.attempt('q', true)).toBe(6);
    expect(t.attempt('r', false, 0)).toBe(1);
  });

  it('forgets acked ids and stays within its bound, dropping the least recently seen', () => {
    const t = new AttemptTracker(2);
    t.attempt('a', false);
    t.attempt('b', false);
    t.attempt('a', true); // a is now the most recent
    t.attempt('c', false); // evicts b
    expect(t.size).toBe(2);
    expect(t.attempt('b', true)).toBe(2);
    expect(t.attempt('c', true)).toBe(2);
    t.forget('c');
    expect(t.attempt('c', true)).toBe(2);
    expect(t.size).toBe(2);
  });
});
