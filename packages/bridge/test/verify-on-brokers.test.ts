import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmqpTransport, amqpAdapter } from '@polybus/adapter-amqp';
import { KafkaTransport, kafkaOptionsSchema } from '@polybus/adapter-kafka';
import { NatsTransport, natsOptionsSchema } from '@polybus/adapter-nats';
import { RedisTransport, redisOptionsSchema } from '@polybus/adapter-redis';
import { type Message, silentLogger, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  publishPastDuplicateWindow,
  verifySourceMessages,
  withPlantedFaults,
} from '../../../test/helpers/planted-faults.js';
// Broker clean-up through the adapters' own test helpers (their drivers are their dependencies, not the bridge's).
import { rawAdmin } from '../../adapter-kafka/test/helpers.js';
import { StreamJanitor } from '../../adapter-nats/test/nats-test-env.js';
import { LedgerWriter, readLedger } from '../src/verify/ledger.js';
import { verifyStreams } from '../src/verify/verify-streams.js';

const kafkaUp = await requireBroker('kafka', '127.0.0.1', 9092);
const redisUp = await requireBroker('redis', '127.0.0.1', 6379);
const natsUp = await requireBroker('nats', '127.0.0.1', 4222);
const amqpUp = await requireBroker('rabbitmq', '127.0.0.1', 5672);

const COUNT = 200;
const KEYS = 5;

const sourceMessages = (prefix: string): Message[] => verifySourceMessages(prefix, COUNT, KEYS);

function expectPlantedFaults(report: Awaited<ReturnType<typeof verifyStreams>>, prefix: string): void {
  expect(report.ok).toBe(false);
  expect(report.counts).toMatchObject({ missing: 1, duplicated: 1, reordered: 1, altered: 1, extra: 0 });
  expect(report.samples.missing.map((s) => s.id)).toEqual([`${prefix}-10`]);
  expect(report.samples.duplicated.map((s) => s.id)).toEqual([`${prefix}-20`]);
  expect(report.samples.reordered.map((s) => s.id)).toEqual([`${prefix}-30`]);
  expect(report.samples.altered).toMatchObject([{ id: `${prefix}-40`, detail: 'body' }]);
}

const opened: Transport[] = [];
async function open<T extends Transport>(t: T): Promise<T> {
  opened.push(t);
  await t.connect();
  return t;
}
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close({ timeoutMs: 500 })));
});

const kafka = () =>
  open(
    new KafkaTransport(
      'kafka://127.0.0.1:9092',
      kafkaOptionsSchema.parse({ topicPartitions: 3 }),
      silentLogger,
    ),
  );

describe.runIf(kafkaUp)('verify kafka -> kafka from the brokers, reading without consuming', () => {
  it('finds each planted fault and passes a clean copy', { timeout: 120_000 }, async () => {
    const t = await kafka();
    const source = uniqueName('verify-src');
    const clean = uniqueName('verify-clean');
    const faulty = uniqueName('verify-faulty');
    const messages = sourceMessages('kk');
    await t.publish(source, messages);
    await t.publish(clean, messages);
    await t.publish(faulty, withPlantedFaults(messages, KEYS));
    const ok = await verifyStreams(() => t.read(source), t.read(clean));
    expect(ok).toMatchObject({
      ok: true,
      clean: true,
      source: { messages: COUNT },
      sink: { messages: COUNT },
    });
    expectPlantedFaults(await verifyStreams(() => t.read(source), t.read(faulty)), 'kk');
  });
});

describe.runIf(redisUp && natsUp)('verify redis -> nats from the brokers', () => {
  it('finds each planted fault and passes a clean copy', { timeout: 120_000 }, async () => {
    const redis = await open(
      new RedisTransport('redis://127.0.0.1:6379', redisOptionsSchema.parse({}), silentLogger),
    );
    // A 100 ms duplicate window, so the planted duplicate can get past JetStream's own dedupe.
    const nats = await open(
      new NatsTransport(
        'nats://127.0.0.1:4222',
        natsOptionsSchema.parse({ createStreams: true, stream: { duplicateWindowMs: 100 } }),
        silentLogger,
      ),
    );
    const stream = uniqueName('verify-src');
    const name = uniqueName('verify').replaceAll('-', '_');
    const clean = `${name}.clean`;
    const faulty = `${name}.faulty`;
    const messages = sourceMessages('rn');
    await redis.publish(stream, messages);
    await nats.publish(clean, messages);
    await publishPastDuplicateWindow((m) => nats.publish(faulty, m), withPlantedFaults(messages, KEYS));
    try {
      const ok = await verifyStreams(() => redis.read(stream), nats.read(clean));
      expect(ok).toMatchObject({ ok: true, clean: true, sink: { messages: COUNT } });
      expectPlantedFaults(await verifyStreams(() => redis.read(stream), nats.read(faulty)), 'rn');
    } finally {
      const janitor = new StreamJanitor();
      janitor.subject(clean);
      janitor.subject(faulty);
      await janitor.clean();
    }
  });
});

describe.runIf(amqpUp && kafkaUp)('verify rabbitmq -> kafka from a ledger', () => {
  it('finds each planted fault from what the copy recorded, and passes a clean copy', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polybus-verify-'));
    const amqp = await open(
      new AmqpTransport(
        'amqp://guest:guest@127.0.0.1:5672',
        amqpAdapter.optionsSchema.parse({}),
        silentLogger,
      ),
    );
    const k = await kafka();
    const exchange = uniqueName('verify-src');
    const ledgerPath = join(dir, 'route.ledger');
    const ledger = await LedgerWriter.open(ledgerPath, { route: 'orders' });
    const moved: Message[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    // What a route does: record, publish to the sink, then ack the source.
    const sub = await amqp.subscribe(
      exchange,
      async (d) => {
        ledger.append(d.message, `${exchange}@${moved.length}`);
        moved.push(d.message);
        await ledger.flush();
        await d.ack();
        if (moved.length === COUNT) done();
      },
      { group: 'copy', maxInFlight: 1 },
    );
    await amqp.publish(exchange, sourceMessages('ak'));
    await all;
    await sub.close();
    await ledger.close();
    const clean = uniqueName('verify-clean');
    const faulty = uniqueName('verify-faulty');
    await k.publish(clean, moved);
    await k.publish(faulty, withPlantedFaults(moved, KEYS));
    try {
      const ok = await verifyStreams(() => readLedger(ledgerPath), k.read(clean));
      expect(ok).toMatchObject({ ok: true, clean: true, source: { messages: COUNT } });
      expectPlantedFaults(await verifyStreams(() => readLedger(ledgerPath), k.read(faulty)), 'ak');
    } finally {
      await rm(dir, { recursive: true, force: true });
      const admin = rawAdmin();
      await admin.connect();
      await admin.deleteTopics({ topics: [clean, faulty] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
