import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createMessage, type Delivery } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { artemisCli } from '../../../test/tls/artemis-tls.js';
import { ARTEMIS_HOST, ARTEMIS_PORT, artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

/**
 * Interop with Artemis's own CLI (`artemis producer` / `artemis consumer --protocol amqp`, which speak
 * AMQP 1.0 through Apache Qpid JMS), both directions. The CLI comes with the distribution that
 * scripts/brokers.sh fetched into the cache; without it (a broker started some other way) the test
 * is skipped.
 */
const run = promisify(execFile);
const up = await requireArtemis();
const cli = up ? artemisCli() : undefined;
if (up && !cli)
  console.warn('[polybus] skipping the Artemis CLI interop test: no Artemis distribution in the cache');
const common = [
  '--protocol',
  'amqp',
  '--url',
  `amqp://${ARTEMIS_HOST}:${ARTEMIS_PORT}`,
  '--user',
  'artemis',
  '--password',
  'artemis',
];

describe.runIf(cli !== undefined)('interop with the Artemis CLI (Qpid JMS over AMQP 1.0)', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('artemis producer -> a polybus group: text body, JMS properties, JMS group as key', async () => {
    const t = artemisTransport();
    try {
      await t.connect();
      const topic = janitor.name(uniqueName('pb.cli.in'));
      const c = new Collector();
      await t.subscribe(
        topic,
        async (d: Delivery) => {
          c.push(d);
          await d.ack();
        },
        { group: 'cli' },
      );
      const { stdout } = await run(
        cli as string,
        [
          'producer',
          ...common,
          '--destination',
          `topic://${topic}`,
          '--message-count',
          '3',
          '--message',
          'hello from jms',
          '--properties',
          JSON.stringify([{ type: 'string', key: 'tenant', value: 'acme' }]),
          '--group',
          'jms-group-1',
        ],
        { timeout: 90_000 },
      );
      expect(stdout).toContain('Produced: 3 messages');
      await c.waitFor(3, 30_000);
      expect(new Set(c.ids()).size).toBe(3);
      for (const d of c.deliveries) {
        expect(Buffer.from(d.message.body).toString('utf8')).toBe('hello from jms');
        expect(d.message.headers.tenant).toBe('acme');
        expect(d.message.key).toBe('jms-group-1');
        expect(d.message.id).toMatch(/^ID:/); // Qpid JMS message ids
        expect(d.attempt).toBe(1);
      }
    } finally {
      await t.close();
    }
  }, 120_000);

  it('polybus publishes to a queue -> artemis consumer gets every message', async () => {
    const t = artemisTransport();
    try {
      await t.connect();
      const queue = janitor.name(uniqueName('pbq.cli.out'));
      await t.publish(
        { queue },
        Array.from({ length: 4 }, (_, i) =>
          createMessage({ body: `to-jms-${i}`, headers: { 'x-i': String(i) } }),
        ),
      );
      const { stdout } = await run(
        cli as string,
        [
          'consumer',
          ...common,
          '--destination',
          `queue://${queue}`,
          '--message-count',
          '4',
          '--receive-timeout',
          '8000',
        ],
        { timeout: 90_000 },
      );
      expect(stdout).toContain('Consumed: 4 messages');
      // and nothing is left behind for a second consumer
      const c = new Collector();
      await t.subscribe({ queue }, async (d) => {
        c.push(d);
        await d.ack();
      });
      await t.publish({ queue }, [createMessage({ body: 'marker' })]);
      await c.waitFor(1, 30_000);
      expect(c.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual(['marker']);
    } finally {
      await t.close();
    }
  }, 120_000);
});
