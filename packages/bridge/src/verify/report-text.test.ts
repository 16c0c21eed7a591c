import { createMessage, type Message } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { formatReport, verdictLine } from './report-text.js';
import { verifyStreams } from './verify-streams.js';

const heading = { route: 'r1', source: 'k/src', sourceMode: 'broker' as const, sink: 'k/dst' };
const source = Array.from({ length: 10 }, (_, i) =>
  createMessage({ id: `m${i}`, key: `k${i % 2}`, body: `b${i}` }),
);

describe('formatReport', () => {
  it('says OK for a clean report', async () => {
    const text = formatReport(await verifyStreams(source, source), heading);
    expect(text).toBe(
      [
        'route r1: k/src (read from the broker) -> k/dst',
        'source 10 messages, sink 10 messages',
        '  missing         0',
        '  extra           0',
        '  duplicated      0',
        '  reordered       0',
        '  altered         0',
        'OK: the sink holds every source message once, unaltered, in order per key',
        '',
      ].join('\n'),
    );
  });

  it('names samples and fails on missing and altered messages', async () => {
    const sink = source
      .filter((m) => m.id !== 'm3')
      .map((m) => (m.id === 'm4' ? createMessage({ ...m, body: 'x' }) : m));
    const text = formatReport(await verifyStreams(() => source, sink), { ...heading, sourceMode: 'ledger' });
    expect(text).toContain('(read from its ledger)');
    expect(text).toContain('  missing         1  m3 (key k1)\n');
    expect(text).toContain('  altered         1  m4 (key k0, body)\n');
    expect(text).toContain('  keys with faults: k0, k1\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAILED: 1 missing, 1 altered');
  });

  it('warns on duplicates, and fails on them only when strict', async () => {
    const sink: Message[] = [...source, source[2] as Message];
    const report = await verifyStreams(source, sink);
    expect(verdictLine(report, false)).toMatch(/^OK with warnings .*: 1 duplicated$/);
    expect(verdictLine(report, true)).toBe('FAILED: 1 duplicated');
  });

  it('shows at most the given number of samples and counts the rest', async () => {
    const text = formatReport(await verifyStreams(() => source, []), heading, { samplesShown: 2 });
    expect(text).toContain('  missing        10  m0 (key k0); m1 (key k1) and 8 more\n');
  });
});
