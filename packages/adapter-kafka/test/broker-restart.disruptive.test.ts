import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage, isPolybusError, type Message } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '../src/index.js';
import {
  createTestTransport,
  createTopic,
  KAFKA_HOST,
  KAFKA_PORT,
  rawAdmin,
  testOptions,
} from './helpers.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

describe.runIf(up)('kafka broker restart', () => {
  const open: KafkaTransport[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 2_000 })));
    // Always leave the broker running for everyone else.
    await run('bash', ['scripts/brokers.sh', 'up'], { cwd: repoRoot }).catch(() => undefined);
  });

  // After the broker is back, kafkajs restarts the consumer as a new member and the coordinator waits
  // out the previous member's session (sessionTimeoutMs, 10 s in the tests) before it assigns: ~10 s
  // here. On a loaded two-core CI machine, right after the whole suite, a restart that lands while the
  // coordinator still loads the group costs another session; one such run took more than 30 s. The
  // budget is three sessions past the first; the measured figure is printed.
  const resumeBudgetMs = testOptions.sessionTimeoutMs * 6;

  it('production and consumption resume within six session timeouts of the broker coming back; nothing acknowledged is lost', async () => {
    const admin = rawAdmin();
    await admin.connect();
    const topic = await createTopic(admin, uniqueName('restart'), 3);
    await admin.disconnect();
    const group = uniqueName('g-restart');

    // What the consumer's logger says (crashes, restarts), shown when a wait times out.
    const warnings: string[] = [];
    const note = (o: unknown, m: string) => {
      const err = (o as { err?: { name?: string; message?: string } } | undefined)?.err;
      warnings.push(
        `${new Date().toISOString().slice(11, 23)} ${m}${err ? ` (${err.name}: ${err.message})` : ''}`,
      );
    };
    const publisher = createTestTransport();
    const consumer = createTestTransport(undefined, {}, { debug() {}, info() {}, warn: note, error: note });
    open.push(publisher, consumer);
    await publisher.connect();
    await consumer.connect();

    const received = new Map<string, number>(); // id -> time first received
    const subscription = await consumer.subscribe(
      topic,
      async (d) => {
        if (!received.has(d.message.id)) received.set(d.message.id, Date.now());
        await d.ack();
      },
      { group, maxInFlight: 32 },
    );

    const confirmed = new Map<string, number>(); // id -> time publish resolved
    const failures: string[] = [];
    let stop = false;
    let seq = 0;
    const producing = (async () => {
      while (!stop) {
        const batch: Message[] = Array.from({ length: 20 }, () =>
          createMessage({ key: `k${seq % 10}`, body: `m-${seq++}` }),
        );
        // At-least-once publishing: retry the same batch (same ids) until the broker confirms it.
        for (;;) {
          try {
            await publisher.publish(topic, batch);
            const now = Date.now();
            for (const m of batch) confirmed.set(m.id, now);
            break;
          } catch (error) {
            if (stop) return; // the test ended (or failed) and closed the transports
            expect(isPolybusError(error), `typed error, got ${String(error)}`).toBe(true);
            expect((error as { retriable: boolean }).retriable, String(error)).toBe(true);
            failures.push(`${(error as { code: string }).code}: ${(error as Error).message}`);
            await new Promise((r) => setTimeout(r, 250));
          }
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    let ended: string | undefined;
    void subscription.closed.then((e) => {
      ended = e ? `${e.name}: ${e.message}` : 'closed';
    });
    const waitUntil = async (cond: () => boolean, what: string, ms: number) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) {
          throw new Error(
            `timed out after ${ms} ms waiting for ${what}; consumer ${consumer.health().state}, ` +
              `subscription ${ended ?? 'open'}; consumer log (last 15):\n${warnings.slice(-15).join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    try {
      await waitUntil(() => received.size >= 500, '500 messages before the restart', 30_000);
      const restartStarted = Date.now();
      await run('bash', ['scripts/brokers.sh', 'restart', 'kafka'], { cwd: repoRoot, timeout: 120_000 });
      const backAt = Date.now(); // brokers.sh returns once the broker accepts connections again

      await waitUntil(
        () => [...confirmed.values()].some((t) => t > backAt),
        'a publish confirmed after the restart',
        resumeBudgetMs,
      );
      const producedAgainAt = Math.min(...[...confirmed.values()].filter((t) => t > backAt));
      const firstNew = () => [...confirmed.entries()].filter(([, t]) => t > backAt).map(([id]) => id);
      await waitUntil(
        () => firstNew().some((id) => received.has(id)),
        'a message published after the restart to arrive',
        resumeBudgetMs,
      );
      const consumedAgainAt = Math.min(
        ...firstNew()
          .filter((id) => received.has(id))
          .map((id) => received.get(id)!),
      );

      // Keep the stream going a little, then stop and wait for everything confirmed to arrive.
      await new Promise((r) => setTimeout(r, 2_000));
      stop = true;
      await producing;
      await waitUntil(
        () => [...confirmed.keys()].every((id) => received.has(id)),
        'every confirmed message',
        60_000,
      );

      const lost = [...confirmed.keys()].filter((id) => !received.has(id));
      console.log(
        `restart: broker down+up took ${backAt - restartStarted} ms; publish resumed ${producedAgainAt - backAt} ms and ` +
          `consumption ${consumedAgainAt - backAt} ms after it was back; ${confirmed.size} confirmed, ${received.size} received, ` +
          `${failures.length} retried publishes (${[...new Set(failures.map((f) => f.split(':')[0]))].join(', ')})`,
      );
      expect(lost).toEqual([]);
      expect(producedAgainAt - backAt).toBeLessThan(resumeBudgetMs);
      expect(consumedAgainAt - backAt).toBeLessThan(resumeBudgetMs);
    } finally {
      stop = true;
      await producing.catch(() => undefined);
    }
  }, 240_000);

  it('health returns to up by itself after a failed publish, without another publish', async () => {
    // A bridge waits for `up` before publishing to a sink again; health that only a successful
    // publish could clear kept such a route paused forever (fault suite, scenario 5).
    const admin = rawAdmin();
    await admin.connect();
    const topic = await createTopic(admin, uniqueName('health'), 1);
    await admin.disconnect();
    const publisher = createTestTransport(undefined, { retries: 1, requestTimeoutMs: 2_000 });
    open.push(publisher);
    await publisher.connect();
    await publisher.publish(topic, [createMessage({ body: 'before' })]);
    await run('bash', ['scripts/brokers.sh', 'stop', 'kafka'], { cwd: repoRoot });
    const failure = await publisher.publish(topic, [createMessage({ body: 'while down' })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(
      isPolybusError(failure) && failure.retriable,
      `retriable typed error, got ${String(failure)}`,
    ).toBe(true);
    expect(publisher.health().state).toBe('connecting');
    await run('bash', ['scripts/brokers.sh', 'start', 'kafka'], { cwd: repoRoot });
    await expect.poll(() => publisher.health().state, { timeout: 30_000, interval: 200 }).toBe('up');
    // Right after a restart the partition may still be electing its leader: the first sends may fail.
    await expect
      .poll(
        () =>
          publisher.publish(topic, [createMessage({ body: 'after' })]).then(
            () => true,
            () => false,
          ),
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
  }, 120_000);
});
