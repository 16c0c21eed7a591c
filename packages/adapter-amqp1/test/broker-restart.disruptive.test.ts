import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage, type Delivery, type HealthStatus } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

/**
 * Restarts the machine's Artemis (scripts/brokers.sh restart artemis) under a subscriber that holds
 * unsettled deliveries and a publisher that keeps publishing. Fails when a message whose publish
 * resolved is lost, when what was unsettled at the restart is not delivered again, when a settle of a
 * delivery from the dead connection settles something else, or when the links are not re-attached.
 */
const up = await requireArtemis();
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

describe.runIf(up)('amqp1: Artemis restart under a subscriber and a publisher', () => {
  const janitor = new ArtemisJanitor();
  afterAll(async () => {
    // whatever happened, leave Artemis running
    await run('bash', [brokersScript, 'up', 'artemis']).catch(() => undefined);
    await janitor.clean();
  });

  it('redelivers what was unsettled, loses nothing that was confirmed, and re-attaches both links', async () => {
    const options = { initialReconnectDelayMs: 100, maxReconnectDelayMs: 1_000, publishTimeoutMs: 10_000 };
    const publisher = artemisTransport(options);
    const consumer = artemisTransport(options);
    await publisher.connect();
    await consumer.connect();
    const topic = janitor.name(uniqueName('pb.restart'));
    const group = uniqueName('g');

    let holding = true;
    const held: Delivery[] = [];
    const attempts = new Map<string, number[]>();
    await consumer.subscribe(
      topic,
      async (d) => {
        attempts.set(d.message.id, [...(attempts.get(d.message.id) ?? []), d.attempt]);
        if (holding) {
          held.push(d); // left unsettled across the restart
          return;
        }
        await d.ack();
      },
      { group, maxInFlight: 5 },
    );

    const before = Array.from({ length: 10 }, (_, i) => createMessage({ body: `before-${i}` }));
    await publisher.publish(topic, before);
    await until(() => held.length === 5, 30_000, '5 held deliveries');
    const heldIds = held.map((d) => d.message.id);

    const states = new Set<HealthStatus['state']>();
    const watch = setInterval(() => states.add(consumer.health().state), 10);
    const confirmed = new Set<string>(before.map((m) => m.id));
    let failures = 0;
    let stop = false;
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        const m = createMessage({ body: `during-${i}` });
        try {
          await publisher.publish(topic, [m]);
          confirmed.add(m.id);
        } catch (error) {
          failures++;
          expect(error, 'a failed publish is a retriable PolybusError').toMatchObject({ retriable: true });
          await sleep(100);
        }
      }
    })();

    const { stdout } = await run('bash', [brokersScript, 'restart', 'artemis'], { timeout: 150_000 });
    expect(stdout).toContain('artemis    up');
    await until(
      () => consumer.health().state === 'up' && publisher.health().state === 'up',
      60_000,
      'reconnect',
    );
    clearInterval(watch);
    expect(states.has('connecting'), 'the consumer saw the connection go').toBe(true);

    // settles of deliveries from the dead connection must do nothing (their ids are meaningless now)
    holding = false;
    await Promise.all(held.map((d) => d.ack()));

    // keep publishing for a moment on the re-attached sender, then stop
    const afterCount = confirmed.size;
    await until(() => confirmed.size >= afterCount + 20, 60_000, '20 publishes after the restart');
    stop = true;
    await publishing;

    await until(() => [...confirmed].every((id) => attempts.has(id)), 60_000, 'every confirmed message');
    for (const id of heldIds) {
      const seen = attempts.get(id) ?? [];
      expect(seen.length, `held message ${id} was delivered again after the restart`).toBeGreaterThanOrEqual(
        2,
      );
    }
    expect([...confirmed].filter((id) => !attempts.has(id))).toEqual([]);
    console.info(
      `[amqp1 restart] confirmed ${confirmed.size}, failed publishes ${failures}, held ${heldIds.length}, ` +
        `attempts of held after restart: ${heldIds.map((id) => (attempts.get(id) ?? []).join('/')).join(' ')}`,
    );
    await Promise.all([publisher.close({ timeoutMs: 1_000 }), consumer.close({ timeoutMs: 1_000 })]);
  }, 240_000);
});
