import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createMessage, type Delivery, isLagReporter, isMessageReader, type ReadRecord } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { createTestTransport } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);
const run = promisify(execFile);

/** `lag` and `pending` of `group` as `redis-cli XINFO GROUPS` prints them. */
async function cliGroup(stream: string, group: string): Promise<{ lag: number; pending: number }> {
  const { stdout } = await run('redis-cli', ['--raw', 'XINFO', 'GROUPS', stream], { timeout: 30_000 });
  const lines = stdout.trim().split('\n');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i] === 'name' && lines[i + 1] !== group && out.size > 0) break;
    if (lines[i] === 'name' && lines[i + 1] !== group) continue;
    out.set(lines[i] as string, lines[i + 1] as string);
  }
  return { lag: Number(out.get('lag')), pending: Number(out.get('pending')) };
}

const COUNT = 300;

describe.runIf(up)('redis streams lag and read without consuming', () => {
  const open: RedisTransport[] = [];
  const transport = async (): Promise<RedisTransport> => {
    const t = createTestTransport({ claimIdleMs: 600_000 });
    open.push(t);
    await t.connect();
    return t;
  };
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 500 })));
  });

  it('lag equals XINFO GROUPS (lag + pending) while a backlog drains, and reaches 0', {
    timeout: 120_000,
  }, async () => {
    const stream = uniqueName('lag');
    const group = uniqueName('g');
    const t = await transport();
    expect(isLagReporter(t)).toBe(true);
    await t.publish(
      stream,
      Array.from({ length: COUNT }, (_, i) => createMessage({ id: `m${i}`, body: `b${i}` })),
    );
    expect(await t.lag(stream, group)).toMatchObject({ total: COUNT, groupExists: false });

    let acked = 0;
    const held: Delivery[] = [];
    let reached!: () => void;
    const enough = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const partial = await t.subscribe(
      stream,
      async (d) => {
        if (acked < 120) {
          acked++;
          await d.ack();
        } else {
          held.push(d);
          if (held.length === 30) reached();
        }
      },
      { group, from: 'earliest', maxInFlight: 30 },
    );
    await enough;
    await partial.close({ timeoutMs: 200 });
    const mid = await t.lag(stream, group);
    const cli = await cliGroup(stream, group);
    expect(mid.inFlight).toBe(cli.pending);
    expect(mid.waiting).toBe(cli.lag);
    expect(mid.total).toBe(cli.lag + cli.pending);
    expect(mid.total).toBe(COUNT - 120);
    expect(mid.inFlight).toBeGreaterThanOrEqual(30);
    expect(mid.exact).toBe(true);

    // Settle what the closed consumer left pending (as an operator would with XACK), then drain the rest.
    const listed = await run('redis-cli', ['--raw', 'XPENDING', stream, group, '-', '+', '1000'], {
      timeout: 30_000,
    });
    const pendingIds = listed.stdout
      .trim()
      .split('\n')
      .filter((line) => /^\d+-\d+$/.test(line));
    expect(pendingIds).toHaveLength(cli.pending);
    await run('redis-cli', ['XACK', stream, group, ...pendingIds], { timeout: 30_000 });
    expect(await t.lag(stream, group)).toMatchObject({ total: cli.lag, inFlight: 0 });
    let rest = 0;
    let done!: () => void;
    const drained = new Promise<void>((resolve) => {
      done = resolve;
    });
    const sub = await t.subscribe(
      stream,
      async (d) => {
        await d.ack();
        if (++rest === cli.lag) done();
      },
      { group, maxInFlight: 30 },
    );
    await drained;
    await sub.close();
    const end = await t.lag(stream, group);
    const cliEnd = await cliGroup(stream, group);
    expect(end).toMatchObject({ total: 0, waiting: 0, inFlight: 0 });
    expect(cliEnd).toEqual({ lag: 0, pending: 0 });
  });

  it('reads every entry up to the end captured at the start and leaves groups untouched', {
    timeout: 60_000,
  }, async () => {
    const stream = uniqueName('read');
    const t = await transport();
    expect(isMessageReader(t)).toBe(true);
    await t.publish(
      stream,
      Array.from({ length: 1_234 }, (_, i) =>
        createMessage({ id: `r${i}`, key: `k${i % 3}`, body: `b${i}` }),
      ),
    );
    const got: ReadRecord[] = [];
    for await (const record of t.read(stream)) {
      if (got.length === 0) await t.publish(stream, [createMessage({ id: 'late', body: 'x' })]);
      got.push(record);
    }
    expect(got.map((r) => r.message.id)).toEqual(Array.from({ length: 1_234 }, (_, i) => `r${i}`));
    expect(got[5]?.message.key).toBe('k2');
    expect(Buffer.from(got[7]?.message.body ?? []).toString()).toBe('b7');
    const from: ReadRecord[] = [];
    for await (const record of t.read(stream, { from: got[1000]?.position, limit: 10 })) from.push(record);
    expect(from.map((r) => r.message.id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${1000 + i}`));
    const groups = await run('redis-cli', ['XINFO', 'GROUPS', stream], { timeout: 30_000 });
    expect(groups.stdout.trim()).toBe('');
  });
});
