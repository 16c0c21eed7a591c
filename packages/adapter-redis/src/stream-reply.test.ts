import { describe, expect, it } from 'vitest';
import { parseAutoClaimReply, parseEntryList, parsePendingCount, parseReadReply } from './stream-reply.js';

const b = (s: string) => Buffer.from(s);

describe('stream reply parsing', () => {
  it('reads the entries of an XREADGROUP reply and null on timeout', () => {
    const reply = [
      [
        b('s'),
        [
          [b('1-0'), [b('body'), b('x')]],
          [b('2-0'), null],
        ],
      ],
    ];
    expect(parseReadReply(reply)).toEqual([
      { id: '1-0', fields: [b('body'), b('x')] },
      { id: '2-0', fields: null },
    ]);
    expect(parseReadReply(null)).toEqual([]);
  });

  it('keeps an all-Buffer field list of a reply as it is and converts one holding strings or numbers', () => {
    const buffers = [b('body'), b('x')];
    const [asIs] = parseEntryList([[b('1-0'), buffers]]);
    expect(asIs!.fields).toBe(buffers);
    const [converted] = parseEntryList([[b('2-0'), [b('body'), 'y', 'n', 7]]]);
    expect(converted!.fields).toEqual([b('body'), b('y'), b('n'), b('7')]);
    expect(converted!.fields!.every((f) => Buffer.isBuffer(f))).toBe(true);
  });

  it('reads an XAUTOCLAIM reply with deleted ids', () => {
    const reply = [b('5-0'), [[b('3-0'), [b('a'), b('1')]]], [b('4-0')]];
    expect(parseAutoClaimReply(reply)).toEqual({
      cursor: '5-0',
      entries: [{ id: '3-0', fields: [b('a'), b('1')] }],
      deleted: ['4-0'],
    });
    expect(parseAutoClaimReply(null)).toEqual({ cursor: '0-0', entries: [], deleted: [] });
  });

  it('reads an entry list and skips junk', () => {
    expect(parseEntryList([[b('1-1'), []], 'junk', []])).toEqual([{ id: '1-1', fields: [] }]);
  });

  it('takes the delivery count from an XPENDING range reply', () => {
    expect(parsePendingCount([[b('1-0'), b('c'), 12, 3]], 1)).toBe(3);
    expect(parsePendingCount([], 2)).toBe(2);
    expect(parsePendingCount(null, 1)).toBe(1);
  });
});
