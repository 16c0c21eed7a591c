import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage, type HealthStatus } from '@polybus/core';
import { deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport, amqpAdapter } from '../src/index.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const url = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const brokersScript = fileURLToPath(new URL('../../../scripts/brokers.sh', import.meta.url));
const run = promisify(execFile);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.runIf(up)('amqp: RabbitMQ restart under load', () => {
  afterAll(async () => {
    // Whatever happened, leave the broker running for everyone else.
    await run('bash', [brokersScript, 'up', 'rabbitmq']).catch(() => undefined);
  });

  it('loses no confirmed message and resumes consuming within 10 s of the broker coming back', async () => {
    const options = amqpAdapter.optionsSchema.parse({ publishTimeoutMs: 60_000 });
    const publisher = new AmqpTransport(url, options, silent);
    const consumer = new AmqpTransport(url, options, silent);
    await publisher.connect();
    await consumer.connect();
    const address = uniqueName('restart');
    const group = uniqueName('g');

    const received = new Map<string, number>(); // id -> first arrival time
    let lastArrival = 0;
    await consumer.subscribe(
      address,
      async (d) => {
        const now = Date.now();
        lastArrival = now;
        if (!received.has(d.message.id)) received.set(d.message.id, now);
        await d.ack();
      },
      { group, maxInFlight: 32 },
    );

    const confirmed = new Set<string>();
    let failures = 0;
    let stop = false;
    const states = new Set<HealthStatus['state']>();
    // Sampled on a timer: the publishing loop blocks in publish() while the broker is away.
    const sampler = setInterval(() => states.add(consumer.health().state), 25);
    sampler.unref();
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        const m = createMessage({ body: `r-${i}`, key: `k${i % 8}` });
        try {
          await publisher.publish(address, [m]);
          confirmed.add(m.id);
        } catch {
          failures++; // not confirmed: the caller would publish again; not counted as sent
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const waitUntil = async (what: string, cond: () => boolean, timeoutMs: number): Promise<number> => {
      const start = Date.now();
      while (!cond()) {
        if (Date.now() - start > timeoutMs)
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return Date.now();
    };

    await waitUntil('traffic before the restart', () => received.size >= 100, 20_000);
    const beforeRestart = confirmed.size;
    const restartStarted = Date.now();
    await run('bash', [brokersScript, 'restart', 'rabbitmq'], { timeout: 150_000 });
    const brokerBack = Date.now();
    const resumedAt = await waitUntil('consumption to resume', () => lastArrival > brokerBack, 30_000);
    const resumeMs = resumedAt - brokerBack;
    // Keep going for a while on the new connection, then stop and wait for every confirmed id.
    const target = confirmed.size + 200;
    await waitUntil('publishing after the restart', () => confirmed.size >= target, 30_000);
    stop = true;
    await publishing;
    clearInterval(sampler);
    await waitUntil(
      'every confirmed message',
      () => [...confirmed].every((id) => received.has(id)),
      60_000,
    ).catch(() => undefined);
    const missing = [...confirmed].filter((id) => !received.has(id));

    console.log(
      `[amqp restart] restart took ${brokerBack - restartStarted} ms; consumption resumed ${resumeMs} ms after the broker was back; ` +
        `confirmed ${confirmed.size} (${beforeRestart} before the restart), failed publishes ${failures}, ` +
        `received ${received.size} distinct, missing ${missing.length}; consumer states seen: ${[...states].join(',')}`,
    );
    expect(missing).toEqual([]);
    expect(resumeMs).toBeLessThan(10_000);
    expect(confirmed.size).toBeGreaterThan(beforeRestart);
    expect(states.has('connecting')).toBe(true);
    expect(consumer.health().state).toBe('up');
    expect(publisher.health().state).toBe('up');

    await consumer.close({ timeoutMs: 2_000 });
    await publisher.close({ timeoutMs: 2_000 });
  });

  it('during an outage a publish waits for the connection, bounded by publishTimeoutMs, and never vanishes', async () => {
    const patient = new AmqpTransport(
      url,
      amqpAdapter.optionsSchema.parse({ publishTimeoutMs: 90_000 }),
      silent,
    );
    const hasty = new AmqpTransport(
      url,
      amqpAdapter.optionsSchema.parse({ publishTimeoutMs: 1_000 }),
      silent,
    );
    await patient.connect();
    await hasty.connect();
    const address = uniqueName('outage');
    const ids: string[] = [];
    const got = deferred();
    await patient.subscribe(
      address,
      async (d) => {
        ids.push(d.message.id);
        await d.ack();
        got.resolve();
      },
      { group: uniqueName('g') },
    );
    await run('bash', [brokersScript, 'stop', 'rabbitmq'], { timeout: 120_000 });
    try {
      const waitForState = async (t: AmqpTransport) => {
        for (let i = 0; i < 100 && t.health().state !== 'connecting'; i++)
          await new Promise((r) => setTimeout(r, 50));
        return t.health().state;
      };
      expect(await waitForState(hasty)).toBe('connecting');
      const m = createMessage({ body: 'during the outage' });
      const waiting = patient.publish(address, [m]);
      const timedOut = await hasty.publish(address, [createMessage({ body: 'x' })]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(timedOut).toMatchObject({ code: 'TIMEOUT', retriable: true });
      await run('bash', [brokersScript, 'start', 'rabbitmq'], { timeout: 120_000 });
      await waiting;
      await got.promise;
      expect(ids).toEqual([m.id]);
    } finally {
      await run('bash', [brokersScript, 'up', 'rabbitmq']).catch(() => undefined);
      await patient.close({ timeoutMs: 1_000 });
      await hasty.close({ timeoutMs: 1_000 });
    }
  });
});
