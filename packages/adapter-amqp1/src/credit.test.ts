import { describe, expect, it } from 'vitest';
import { creditToAdd } from './credit.js';

describe('creditToAdd', () => {
  it('grants the whole window to an idle link', () => expect(creditToAdd(16, 0, 0)).toBe(16));
  it('counts unsettled deliveries and outstanding credit', () => {
    expect(creditToAdd(16, 10, 4)).toBe(2);
    expect(creditToAdd(16, 10, 6)).toBe(0);
  });
  it('never goes negative (stale deliveries of a lost connection may exceed the window)', () => {
    expect(creditToAdd(4, 7, 0)).toBe(0);
    expect(creditToAdd(4, 0, -1)).toBe(4);
  });
});
