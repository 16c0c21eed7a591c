import { createMessage, type Message } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { verifyStreams } from './verify-streams.js';

/** 40 messages over 4 keys, each key's messages in publish order. */
function sourceMessages(): Message[] {
  return Array.from({ length: 40 }, (_, i) =>
    createMessage({ id: `m${i}`, key: `k${i % 4}`, body: `body ${i}`, headers: { 'x-n': String(i) } }),
  );
}

describe('verifyStreams', () => {
  it('passes a clean run', async () => {
    const source = sourceMessages();
    const report = await verifyStreams(source, [...source]);
    expect(report.ok).toBe(true);
    expect(report.clean).toBe(true);
    expect(report.counts).toEqual({
      missing: 0,
      extra: 0,
      duplicated: 0,
      reordered: 0,
      altered: 0,
      alteredBody: 0,
      alteredHeaders: 0,
    });
    expect(report.source.messages).toBe(40);
    expect(report.sink.messages).toBe(40);
  });

  it('ignores headers a bridge adds and cross-key interleaving', async () => {
    const source = sourceMessages();
    const sink = [...source.filter((m) => m.key === 'k1'), ...source.filter((m) => m.key !== 'k1')].map((m) =>
      createMessage({ ...m, headers: { ...m.headers, 'x-polybus-route': 'r1' } }),
    );
    const report = await verifyStreams(source, sink);
    expect(report.clean).toBe(true);
  });

  it('finds one deleted message, names it by a second read and fails', async () => {
    const source = sourceMessages();
    const sink = source.filter((m) => m.id !== 'm13');
    const report = await verifyStreams(() => source, sink);
    expect(report.ok).toBe(false);
    expect(report.counts.missing).toBe(1);
    expect(
      report.counts.reordered + report.counts.duplicated + report.counts.extra + report.counts.altered,
    ).toBe(0);
    expect(report.samples.missing).toEqual([{ id: 'm13', key: 'k1' }]);
    expect(report.keys).toEqual([
      { key: 'k1', missing: 1, extra: 0, duplicated: 0, reordered: 0, altered: 0 },
    ]);
  });

  it('finds one duplicated message; the sink still holds everything', async () => {
    const source = sourceMessages();
    const sink = [...source.slice(0, 21), source[20] as Message, ...source.slice(21)];
    const report = await verifyStreams(source, sink);
    expect(report.ok).toBe(true);
    expect(report.clean).toBe(false);
    expect(report.counts.duplicated).toBe(1);
    expect(report.counts.reordered).toBe(0);
    expect(report.samples.duplicated).toEqual([{ id: 'm20', key: 'k0' }]);
  });

  it('finds two swapped messages of one key as one reordering', async () => {
    const source = sourceMessages();
    const sink = [...source];
    // m5 and m9 share key k1: swap them.
    [sink[5], sink[9]] = [sink[9] as Message, sink[5] as Message];
    const report = await verifyStreams(source, sink);
    expect(report.ok).toBe(true);
    expect(report.counts.reordered).toBe(1);
    expect(report.samples.reordered).toEqual([{ id: 'm5', key: 'k1' }]);
    expect(report.keys).toEqual([
      { key: 'k1', missing: 0, extra: 0, duplicated: 0, reordered: 1, altered: 0 },
    ]);
  });

  it('finds one altered body and one altered header, and fails', async () => {
    const source = sourceMessages();
    const sink = source.map((m) => {
      if (m.id === 'm7') return createMessage({ ...m, body: 'tampered' });
      if (m.id === 'm8') return createMessage({ ...m, headers: { 'x-n': 'changed' } });
      return m;
    });
    const report = await verifyStreams(source, sink);
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ altered: 2, alteredBody: 1, alteredHeaders: 1, missing: 0 });
    expect(report.samples.altered).toEqual([
      { id: 'm7', key: 'k3', detail: 'body' },
      { id: 'm8', key: 'k0', detail: 'headers' },
    ]);
  });

  it('counts extra sink messages and repeated source ids', async () => {
    const source = sourceMessages();
    const report = await verifyStreams(
      [...source, source[0] as Message],
      [...source, createMessage({ id: 'stranger', key: 'k9', body: 'x' })],
    );
    expect(report.ok).toBe(true);
    expect(report.counts.extra).toBe(1);
    expect(report.source.duplicateIds).toBe(1);
    expect(report.samples.extra).toEqual([{ id: 'stranger', key: 'k9' }]);
  });

  it('checks order without a key only when asked', async () => {
    const a = createMessage({ id: 'a', body: 'a' });
    const b = createMessage({ id: 'b', body: 'b' });
    expect((await verifyStreams([a, b], [b, a])).counts.reordered).toBe(0);
    expect((await verifyStreams([a, b], [b, a], { orderWithoutKey: true })).counts.reordered).toBe(1);
  });

  it('bounds the key list and the samples', async () => {
    const source = Array.from({ length: 50 }, (_, i) =>
      createMessage({ id: `x${i}`, key: `key${i}`, body: 'b' }),
    );
    const report = await verifyStreams(source, [], { maxKeys: 10, maxSamples: 3 });
    expect(report.counts.missing).toBe(50);
    expect(report.keys).toHaveLength(10);
    expect(report.keysTruncated).toBe(true);
    expect(report.samples.missing).toHaveLength(3);
  });
});
