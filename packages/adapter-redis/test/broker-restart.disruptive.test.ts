import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestTransport, REDIS_URL } from './helpers.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const brokers = (...args: string[]) =>
  run('bash', ['scripts/brokers.sh', ...args], { cwd: repoRoot, timeout: 120_000 });

const up = await requireBroker('redis', '127.0.0.1', 6379);

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe.runIf(up)('Redis restart while a group consumes a stream (Redis keeps nothing on disk here)', () => {
  afterAll(async () => {
    await brokers('up');
  }, 130_000);

  it('receives every message published after Redis came back, within 10 s, re-creating stream and group; nothing hangs', async () => {
    const t = createTestTransport({ claimIdleMs: 1_000, blockMs: 1_000 });
    await t.connect();
    const stream = uniqueName('restart');
    const group = uniqueName('g');
    const receivedAt = new Map<string, number>();
    await t.subscribe(
      stream,
      async (d) => {
        if (!receivedAt.has(d.message.id)) receivedAt.set(d.message.id, Date.now());
        // An ack of an entry the old Redis held may fail while it restarts: that is fine here.
        await d.ack().catch(() => undefined);
      },
      { group, maxInFlight: 32 },
    );

    const published: Array<{ id: string; resolvedAt: number }> = [];
    let publishFailures = 0;
    let publishing = true;
    const publisher = (async () => {
      let i = 0;
      while (publishing) {
        const m = createMessage({ body: `r-${i++}` });
        try {
          await t.publish(stream, [m]);
          published.push({ id: m.id, resolvedAt: Date.now() });
        } catch {
          publishFailures++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const states = new Set<string>();
    const sampler = setInterval(() => states.add(t.health().state), 10);

    try {
      expect(await until(() => receivedAt.size >= 20, 10_000), 'consuming before the restart').toBe(true);
      const restartedAt = Date.now();
      await brokers('restart', 'redis');
      const backAt = Date.now();
      expect(await until(() => published.filter((p) => p.resolvedAt > backAt).length >= 100, 30_000)).toBe(
        true,
      );
      publishing = false;
      await publisher;

      const after = published.filter((p) => p.resolvedAt > backAt);
      const allArrived = await until(() => after.every((p) => receivedAt.has(p.id)), 15_000);
      const missing = after.filter((p) => !receivedAt.has(p.id)).length;
      expect(
        allArrived,
        `${missing} of ${after.length} messages published after the restart never arrived`,
      ).toBe(true);
      const firstAfter = Math.min(...after.map((p) => receivedAt.get(p.id)!));
      const lostInRestart = published.filter((p) => p.resolvedAt >= restartedAt && p.resolvedAt <= backAt);
      console.info(
        `[redis restart] restart took ${backAt - restartedAt} ms; consumption resumed ${firstAfter - backAt} ms after Redis was back; ` +
          `${after.length} published after, all received; ${lostInRestart.filter((p) => !receivedAt.has(p.id)).length} of ` +
          `${lostInRestart.length} accepted during the restart window not received (no persistence); ${publishFailures} publishes failed`,
      );
      expect(firstAfter - backAt).toBeLessThan(10_000);
      expect(states.has('connecting'), `health states seen: ${[...states].join(',')}`).toBe(true);
      expect(t.health().state).toBe('up');

      const raw = new Redis(REDIS_URL);
      try {
        const groups = (await raw.xinfo('GROUPS', stream)) as unknown[][];
        const names = groups.map((g) => String(g[g.indexOf('name') + 1]));
        expect(names).toContain(group);
      } finally {
        await raw.quit();
      }
    } finally {
      publishing = false;
      clearInterval(sampler);
      await publisher;
      const closing = Date.now();
      await t.close({ timeoutMs: 2_000 });
      expect(Date.now() - closing, 'close() returned promptly').toBeLessThan(5_000);
    }
  }, 120_000);

  it('survives Redis being down for 3 s: reads back off and resume, a publish issued while down waits and lands', async () => {
    const t = createTestTransport({ claimIdleMs: 1_000, blockMs: 1_000 });
    await t.connect();
    const stream = uniqueName('outage');
    const group = uniqueName('g');
    const receivedAt = new Map<string, number>();
    await t.subscribe(
      stream,
      async (d) => {
        if (!receivedAt.has(d.message.id)) receivedAt.set(d.message.id, Date.now());
        await d.ack().catch(() => undefined);
      },
      { group },
    );
    try {
      const before = createMessage({ body: 'before' });
      await t.publish(stream, [before]);
      expect(await until(() => receivedAt.has(before.id), 5_000)).toBe(true);

      await brokers('stop', 'redis');
      const whileDown = createMessage({ body: 'while-down' });
      let settled = false;
      const pending = t.publish(stream, [whileDown]).finally(() => {
        settled = true;
      });
      pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(t.health().state).toBe('connecting');
      expect(settled, 'the publish waits for Redis instead of failing at once').toBe(false);
      await brokers('start', 'redis');
      const backAt = Date.now();
      await pending;
      const after = createMessage({ body: 'after' });
      await t.publish(stream, [after]);
      expect(await until(() => receivedAt.has(whileDown.id) && receivedAt.has(after.id), 10_000)).toBe(true);
      console.info(
        `[redis outage] the publish issued while down arrived ${receivedAt.get(whileDown.id)! - backAt} ms after Redis was back`,
      );
      expect(receivedAt.get(after.id)! - backAt).toBeLessThan(10_000);
      expect(t.health().state).toBe('up');
    } finally {
      await brokers('up');
      const closing = Date.now();
      await t.close({ timeoutMs: 2_000 });
      expect(Date.now() - closing).toBeLessThan(5_000);
    }
  }, 120_000);
});
