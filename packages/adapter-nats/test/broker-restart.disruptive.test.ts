import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage, type HealthStatus } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);
const brokersScript = fileURLToPath(new URL('../../../scripts/brokers.sh', import.meta.url));
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe.runIf(up)('nats: server restart under load (JetStream, file storage)', () => {
  const janitor = new StreamJanitor();
  afterAll(async () => {
    // Whatever happened, leave the server running for everyone else.
    await run('bash', [brokersScript, 'up', 'nats']).catch(() => undefined);
    await janitor.clean();
  });

  it('loses no message whose publish resolved and resumes consuming within 10 s of the server coming back', async () => {
    const options = { requestTimeoutMs: 3_000, reconnectTimeWaitMs: 250, fetchExpiresMs: 2_000 };
    const publisher = natsTransport(options);
    const consumer = natsTransport(options);
    await publisher.connect();
    await consumer.connect();
    const subject = janitor.subject(`pbr.${uniqueName('restart')}`);
    const group = uniqueName('g');

    const received = new Map<string, number>(); // id -> first arrival time
    let lastArrival = 0;
    await consumer.subscribe(
      subject,
      async (d) => {
        const now = Date.now();
        lastArrival = now;
        if (!received.has(d.message.id)) received.set(d.message.id, now);
        await d.ack().catch(() => undefined); // an ack lost in the restart: the message comes back
      },
      { group, maxInFlight: 32 },
    );

    const confirmed = new Set<string>();
    let failures = 0;
    let stop = false;
    const states = new Set<HealthStatus['state']>();
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        const m = createMessage({ body: `r-${i}` });
        try {
          await publisher.publish(subject, [m]);
          confirmed.add(m.id);
        } catch {
          failures++; // not confirmed: a caller would publish again; not counted as sent
          await sleep(50);
        }
        states.add(consumer.health().state);
        await sleep(5);
      }
    })();

    await until(() => received.size >= 50, 20_000, '50 messages before the restart');
    const restart = run('bash', [brokersScript, 'restart', 'nats']);
    await until(() => consumer.health().state !== 'up', 20_000, 'the consumer to notice the restart');
    states.add(consumer.health().state);
    await restart;
    const back = Date.now();
    const receivedBefore = received.size;
    await until(
      () => [...received.values()].some((t) => t >= back),
      10_000,
      'a delivery after the server came back',
    );
    const resumedAfterMs = Math.min(...[...received.values()].filter((t) => t >= back)) - back;
    await until(() => received.size >= receivedBefore + 50, 20_000, '50 more messages after the restart');
    stop = true;
    await publishing;

    await until(() => [...confirmed].every((id) => received.has(id)), 30_000, 'every confirmed message');
    const lost = [...confirmed].filter((id) => !received.has(id));
    console.info(
      `[nats restart] confirmed=${confirmed.size} received=${received.size} failedPublishes=${failures} ` +
        `resumedAfterMs=${resumedAfterMs} states=${[...states].join(',')} lastArrivalAgoMs=${Date.now() - lastArrival}`,
    );
    expect(lost).toEqual([]);
    expect(resumedAfterMs).toBeLessThan(10_000);
    expect(states.has('connecting')).toBe(true);
    expect(consumer.health().state).toBe('up');

    await Promise.all([publisher.close({ timeoutMs: 2_000 }), consumer.close({ timeoutMs: 2_000 })]);
  });
});
