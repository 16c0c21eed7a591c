import { describe, expect, it } from 'vitest';
import { decodeObserved, encodeObserved, judge, type Observed } from './oracle.js';

const m = (id: string, key: string, seq: number): Observed => ({ id, key, seq });

describe('judge', () => {
  const sent = [m('a1', 'a', 0), m('a2', 'a', 1), m('a3', 'a', 2), m('b1', 'b', 0)];

  it('finds nothing wrong when the sink holds exactly what was sent', () => {
    expect(judge(sent, sent)).toMatchObject({
      sent: 4,
      received: 4,
      delivered: 4,
      lost: 0,
      duplicated: 0,
      reordered: 0,
    });
  });

  it('counts lost messages and samples their ids', () => {
    const v = judge(sent, [sent[0]!, sent[3]!]);
    expect(v.lost).toBe(2);
    expect(v.lostSample).toEqual(['a2', 'a3']);
  });

  it('counts missing messages found still waiting at the source as stranded, not lost', () => {
    const v = judge(sent, [sent[0]!, sent[3]!], new Set(['a3', 'zz']));
    expect(v).toMatchObject({ lost: 1, stranded: 1, lostSample: ['a2'] });
    // A message both delivered and read back at the source (a redelivery) is neither.
    expect(judge(sent, sent, new Set(['a1']))).toMatchObject({ lost: 0, stranded: 0 });
  });

  it('counts duplicates without calling a redelivery a reorder', () => {
    const v = judge(sent, [sent[0]!, sent[1]!, sent[0]!, sent[1]!, sent[2]!, sent[3]!]);
    expect(v).toMatchObject({ duplicated: 2, reordered: 0, lost: 0, received: 6 });
  });

  it('counts a first delivery that arrives after a later one of its key as reordered', () => {
    const v = judge(sent, [sent[1]!, sent[0]!, sent[2]!, sent[3]!]);
    expect(v.reordered).toBe(1);
    expect(judge(sent, [sent[3]!, sent[0]!, sent[1]!, sent[2]!]).reordered).toBe(0);
  });

  it('flags deliveries of ids never sent', () => {
    expect(judge(sent, [...sent, m('zz', 'a', 9)]).unexpected).toBe(1);
  });
});

describe('encodeObserved / decodeObserved', () => {
  it('round-trips and pads to the requested size', () => {
    const body = encodeObserved(m('id-1', 'k', 7), 1024);
    expect(Buffer.byteLength(body)).toBe(1024);
    expect(decodeObserved(body)).toEqual(m('id-1', 'k', 7));
    expect(decodeObserved('not json')).toBeUndefined();
    expect(decodeObserved('{"id":1}')).toBeUndefined();
  });
});
