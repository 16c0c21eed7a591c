import { describe, expect, it } from 'vitest';
import { AttemptCounter } from './attempt-counter.js';

describe('AttemptCounter', () => {
  it('counts repeated deliveries and honours DUP', () => {
    const c = new AttemptCounter(10);
    expect(c.next('a', false)).toBe(1);
    expect(c.next('a', true)).toBe(2);
    expect(c.next('a', true)).toBe(3);
    expect(c.next('b', true)).toBe(2);
    c.forget('a');
    expect(c.next('a', false)).toBe(1);
  });

  it('forgets the oldest id past its capacity', () => {
    const c = new AttemptCounter(2);
    c.next('a', false);
    c.next('b', false);
    c.next('c', false);
    expect(c.next('a', false)).toBe(1);
    expect(c.next('c', false)).toBe(2);
  });
});
