import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage } from '@polybus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { LedgerWriter, readLedger } from './ledger.js';
import { verifyStreams } from './verify-streams.js';

const dir = await mkdtemp(join(tmpdir(), 'polybus-ledger-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ledger', () => {
  it('writes fingerprints a reader returns, and verifies a sink against them', async () => {
    const path = join(dir, 'route.ledger');
    const messages = Array.from({ length: 100 }, (_, i) =>
      createMessage({ id: `l${i}`, key: `k${i % 3}`, body: `body ${i}`, headers: { a: 'b' } }),
    );
    const writer = await LedgerWriter.open(path, { route: 'r1', bufferBytes: 512 });
    for (const [i, m] of messages.entries()) writer.append(m, `q@${i}`);
    await writer.flush();
    await writer.close();
    await writer.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(101);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ 'polybus-ledger': 1, route: 'r1' });
    const prints = [];
    for await (const print of readLedger(path)) prints.push(print);
    expect(prints.map((p) => p.id)).toEqual(messages.map((m) => m.id));
    expect(prints[4]).toMatchObject({ id: 'l4', key: 'k1', position: 'q@4' });
    expect(prints[4]?.bodyHash).toMatch(/^[0-9a-f]{64}$/);

    const clean = await verifyStreams(() => readLedger(path), messages);
    expect(clean.clean).toBe(true);
    const altered = messages.map((m) => (m.id === 'l50' ? createMessage({ ...m, body: 'changed' }) : m));
    const report = await verifyStreams(() => readLedger(path), altered.slice(1));
    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ missing: 1, altered: 1 });
    expect(report.samples.missing).toEqual([{ id: 'l0', key: 'k0', position: 'q@0' }]);

    // A reopened ledger continues; a crash-cut last line is skipped.
    const again = await LedgerWriter.open(path);
    again.append(createMessage({ id: 'l100', body: 'x' }));
    await again.close();
    await appendFile(path, '{"id":"cut","bo');
    const all = [];
    for await (const print of readLedger(path)) all.push(print.id);
    expect(all).toHaveLength(101);
    expect(all.at(-1)).toBe('l100');
  });

  it('rejects a file that is not a ledger and a broken line in the middle', async () => {
    const notLedger = join(dir, 'not');
    await writeFile(notLedger, 'hello\n');
    await expect(readLedger(notLedger).next()).rejects.toMatchObject({ code: 'DATA_INVALID' });
    const broken = join(dir, 'broken');
    await writeFile(broken, '{"polybus-ledger":1}\n{"id":1}\n{"id":"a","body":"00"}\n');
    const iterator = readLedger(broken);
    await expect(iterator.next()).rejects.toMatchObject({ code: 'DATA_INVALID' });
  });

  it('loses no line and keeps their order under concurrent flushes', async () => {
    const path = join(dir, 'concurrent.ledger');
    const writer = await LedgerWriter.open(path, { route: 'r2' });
    const flushes = Array.from({ length: 200 }, (_, i) => {
      writer.append(createMessage({ id: `c${i}`, body: `${i}` }));
      return writer.flush();
    });
    await Promise.all(flushes);
    await writer.close();
    const ids = [];
    for await (const print of readLedger(path)) ids.push(print.id);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => `c${i}`));
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(() => writer.append(createMessage({ id: 'late', body: 'x' }))).toThrow('ledger is closed');
  });
});
