import type { Delivery, DeliveryHandler, Logger } from '@polybus/core';
import type { Collector } from '@polybus/core/testing';
import kafkajs, { type Admin } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { KafkaTransport, type KafkaTransportHooks, kafkaOptionsSchema } from '../src/index.js';

export const KAFKA_HOST = '127.0.0.1';
export const KAFKA_PORT = 9092;
export const KAFKA_URL = `kafka://${KAFKA_HOST}:${KAFKA_PORT}`;

/** Silent, or console output with POLYBUS_TEST_LOG=1. */
export const testLogger: Logger =
  process.env.POLYBUS_TEST_LOG === '1'
    ? {
        debug: (o, m) => console.debug('[debug]', m, o),
        info: (o, m) => console.info('[info]', m, o),
        warn: (o, m) => console.warn('[warn]', m, o),
        error: (o, m) => console.error('[error]', m, o),
      }
    : { debug() {}, info() {}, warn() {}, error() {} };

/** Options tuned for tests: fast heartbeats so joins and rebalances settle in a few seconds. */
export const testOptions = kafkaOptionsSchema.parse({
  clientId: 'polybus-test',
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 15_000,
  heartbeatIntervalMs: 500,
  commitIntervalMs: 500,
  fetchMaxWaitMs: 200,
  joinTimeoutMs: 45_000,
});

export function createTestTransport(
  hooks?: KafkaTransportHooks,
  overrides: Partial<typeof testOptions> = {},
  logger: Logger = testLogger,
): KafkaTransport {
  return new KafkaTransport(KAFKA_URL, { ...testOptions, ...overrides }, logger, hooks);
}

/** A raw kafkajs admin for test setup and assertions (connect it; disconnect when done). */
export function rawAdmin(): Admin {
  const kafka = new kafkajs.Kafka({
    clientId: 'polybus-test-admin',
    brokers: [`${KAFKA_HOST}:${KAFKA_PORT}`],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  return kafka.admin();
}

/** What {@link kafkaSuite} gives a test suite. */
export interface KafkaSuite {
  /** A raw admin, connected for the whole suite. */
  readonly admin: Admin;
  /** A test transport, tracked so it is closed after the suite; connected unless `connect` is false. */
  transport(options?: {
    hooks?: KafkaTransportHooks;
    overrides?: Partial<typeof testOptions>;
    connect?: boolean;
  }): Promise<KafkaTransport>;
}

/**
 * Call at `describe` level: connects a raw admin before the suite's tests and, after them, closes
 * every transport the suite opened (1 s each) and then the admin.
 */
export function kafkaSuite(): KafkaSuite {
  const admin = rawAdmin();
  const open: KafkaTransport[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 1_000 })));
    await admin.disconnect();
  });
  return {
    admin,
    async transport({ hooks, overrides, connect = true } = {}) {
      const t = createTestTransport(hooks, overrides);
      open.push(t);
      if (connect) await t.connect();
      return t;
    },
  };
}

/** Creates `topic` with `partitions` partitions and waits for leaders. */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<string> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
  return topic;
}

/** The body of a delivery as text. */
export const bodyText = (d: Delivery): string => Buffer.from(d.message.body).toString();

/**
 * A handler that collects every delivery into `got`, notes when each `<body>#<attempt>` arrived in
 * `arrivals`, nacks the first delivery of the body `nackBody` with `delayMs`, and acks everything else.
 */
export function nackOnceHandler(
  got: Collector,
  arrivals: Map<string, number>,
  nackBody: string,
  delayMs: number,
): DeliveryHandler {
  return async (d) => {
    got.push(d);
    arrivals.set(`${bodyText(d)}#${d.attempt}`, Date.now());
    if (bodyText(d) === nackBody && d.attempt === 1) {
      await d.nack({ delayMs });
      return;
    }
    await d.ack();
  };
}
