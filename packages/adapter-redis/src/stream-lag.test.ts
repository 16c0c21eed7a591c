import { describe, expect, it } from 'vitest';
import { parseGroupInfos, streamLagReport } from './stream-lag.js';

const reply = [
  ['name', 'g', 'consumers', 1, 'pending', 3, 'last-delivered-id', '5-0', 'entries-read', 5, 'lag', 7],
  [
    'name',
    'trimmed',
    'consumers',
    0,
    'pending',
    0,
    'last-delivered-id',
    '0-0',
    'entries-read',
    null,
    'lag',
    null,
  ],
];

describe('stream lag', () => {
  it('parses XINFO GROUPS', () => {
    expect(parseGroupInfos(reply)).toEqual([
      { name: 'g', pending: 3, lastDeliveredId: '5-0', lag: 7 },
      { name: 'trimmed', pending: 0, lastDeliveredId: '0-0', lag: null },
    ]);
    expect(parseGroupInfos('nonsense')).toEqual([]);
  });
  it('is lag + pending, with both in the detail', () => {
    const report = streamLagReport('s', 'g', parseGroupInfos(reply), 12);
    expect(report).toMatchObject({ total: 10, waiting: 7, inFlight: 3, exact: true, groupExists: true });
    expect(report.parts[0]).toMatchObject({ name: 's', position: '5-0' });
  });
  it('estimates with the stream length when Redis cannot count, and counts all for a missing group', () => {
    expect(streamLagReport('s', 'trimmed', parseGroupInfos(reply), 12)).toMatchObject({
      total: 12,
      exact: false,
    });
    expect(streamLagReport('s', 'none', parseGroupInfos(reply), 12)).toMatchObject({
      total: 12,
      groupExists: false,
    });
  });
});
