import { describe, expect, it } from 'vitest';
import { PendingBook } from './pending-book.js';

describe('PendingBook', () => {
  it('tracks held ids until released', () => {
    const book = new PendingBook();
    book.hold('1-0');
    expect(book.owns('1-0')).toBe(true);
    expect(book.heldCount).toBe(1);
    book.release('1-0');
    expect(book.owns('1-0')).toBe(false);
    expect(book.ownedIds()).toEqual([]);
  });

  it('hands out nacked ids only once due, earliest first, at most max', () => {
    const book = new PendingBook();
    for (const id of ['a', 'b', 'c']) book.hold(id);
    book.retryAt('a', 300);
    book.retryAt('b', 100);
    book.retryAt('c', 200);
    expect(book.heldCount).toBe(0);
    expect(book.waitingCount).toBe(3);
    expect(book.nextDueAt()).toBe(100);
    expect(book.takeDue(99, 10)).toEqual([]);
    expect(book.takeDue(250, 1)).toEqual(['b']);
    expect(book.takeDue(250, 10)).toEqual(['c']);
    expect(book.owns('c')).toBe(false);
    expect(book.nextDueAt()).toBe(300);
    expect(book.ownedIds()).toEqual(['a']);
    book.hold('a');
    expect(book.waitingCount).toBe(0);
    expect(book.nextDueAt()).toBeUndefined();
  });

  it('a zero-delay nack is due at once and clear() forgets everything', () => {
    const book = new PendingBook();
    book.hold('x');
    book.retryAt('x', 50);
    expect(book.takeDue(50, 1)).toEqual(['x']);
    book.hold('y');
    book.retryAt('z', 10);
    book.clear();
    expect(book.ownedIds()).toEqual([]);
  });
});
