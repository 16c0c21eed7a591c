import { describe, expect, it } from 'vitest';
import { SequenceGaps } from './sequence-gaps.js';

describe('SequenceGaps', () => {
  it('counts skipped numbers per publisher and topic', () => {
    const gaps = new SequenceGaps();
    expect(gaps.record({ src: 'a', seq: 5 }, 't')).toBe(0); // joined late: not a gap
    expect(gaps.record({ src: 'a', seq: 6 }, 't')).toBe(0);
    expect(gaps.record({ src: 'a', seq: 9 }, 't')).toBe(2);
    expect(gaps.record({ src: 'a', seq: 1 }, 'u')).toBe(0);
    expect(gaps.record({ src: 'b', seq: 3 }, 't')).toBe(0);
    expect(gaps.record({ src: 'b', seq: 4 }, 't')).toBe(0);
    expect(gaps.missed).toBe(2);
  });

  it('ignores a repeated or older number instead of counting it', () => {
    const gaps = new SequenceGaps();
    gaps.record({ src: 'a', seq: 1 }, 't');
    expect(gaps.record({ src: 'a', seq: 1 }, 't')).toBe(0);
    expect(gaps.record({ src: 'a', seq: 3 }, 't')).toBe(1);
    expect(gaps.record({ src: 'a', seq: 2 }, 't')).toBe(0);
    expect(gaps.record({ src: 'a', seq: 4 }, 't')).toBe(0);
    expect(gaps.missed).toBe(1);
  });

  it('forgets the least recently seen stream beyond its bound', () => {
    const gaps = new SequenceGaps(2);
    gaps.record({ src: 'a', seq: 1 }, 't');
    gaps.record({ src: 'b', seq: 1 }, 't');
    gaps.record({ src: 'a', seq: 2 }, 't');
    gaps.record({ src: 'c', seq: 1 }, 't'); // forgets b
    expect(gaps.record({ src: 'b', seq: 10 }, 't')).toBe(0);
    expect(gaps.record({ src: 'a', seq: 4 }, 't')).toBe(0); // a was forgotten when b came back
    expect(gaps.missed).toBe(0);
  });
});
