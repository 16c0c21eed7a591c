import { describe, expect, it } from 'vitest';
import { LeaseBook } from './lease-book.js';

describe('LeaseBook', () => {
  it('names a lease as due once less than a third of it is left, then extends it', () => {
    const book = new LeaseBook<string>(30_000);
    book.add('a', 0);
    book.add('b', 10_000);
    expect(book.due(19_999)).toEqual([]);
    expect(book.due(20_000)).toEqual(['a']);
    expect(book.due(25_000)).toEqual([]);
    expect(book.due(30_000)).toEqual(['b']);
    expect(book.due(40_000)).toEqual(['a']);
  });

  it('forgets settled items and hands back the rest once', () => {
    const book = new LeaseBook<string>(30_000);
    book.add('a', 0);
    book.add('b', 0);
    expect(book.remove('a')).toBe(true);
    expect(book.remove('a')).toBe(false);
    expect(book.has('b')).toBe(true);
    expect(book.takeAll()).toEqual(['b']);
    expect(book.takeAll()).toEqual([]);
    expect(book.size).toBe(0);
    expect(book.due(1e9)).toEqual([]);
  });
});
