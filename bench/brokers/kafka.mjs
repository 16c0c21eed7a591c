import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { createTickBatcher } from '../lib/window.mjs';

const { Kafka, logLevel } = kafkajs;

/** Raw kafkajs access for the benchmark: topics, load, sink consumer and the baseline pipe ends. */
const BROKER = '127.0.0.1:9092';
/** Partitions of every benchmark topic (BENCH_KAFKA_PARTITIONS). */
const PARTITIONS = Number(process.env.BENCH_KAFKA_PARTITIONS ?? 1);
/** Messages per produce request when filling (1 MiB default message.max.bytes caps a record batch). */
const FILL_BATCH = 500;

function client(id) {
  return new Kafka({ clientId: `polybus-bench-${id}`, brokers: [BROKER], logLevel: logLevel.NOTHING });
}

export const kafka = {
  name: 'kafka',
  product: 'Apache Kafka',
  label: 'Kafka',
  url: `kafka://${BROKER}`,

  /** Endpoint keys of the bridge config for `name` as a source / sink. */
  bridgeSource: (name) => ({ topic: name, group: `${name}.bridge`, startFrom: 'earliest' }),
  bridgeSink: (name) => ({ topic: name }),

  async admin() {
    const admin = client('admin').admin();
    await admin.connect();
    return {
      async prepare(name) {
        await admin.createTopics({
          topics: [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }],
          waitForLeaders: true,
        });
      },
      async cleanup(name) {
        await admin.deleteTopics({ topics: [name], timeout: 10_000 }).catch(() => undefined);
      },
      async version() {
        const libs = join(
          process.env.POLYBUS_CACHE ?? join(homedir(), '.cache/polybus'),
          'kafka-3.9.1',
          'libs',
        );
        try {
          const jar = readdirSync(libs).find((f) => /^kafka_[\d.]+-[\d.]+\.jar$/.test(f));
          if (jar) return /^kafka_[\d.]+-([\d.]+)\.jar$/.exec(jar)[1];
        } catch {}
        return 'unknown';
      },
      close: () => admin.disconnect(),
    };
  },

  /** A confirmed producer (acks=-1): `send(name, bodies)` resolves when the broker acked all. */
  async producer() {
    const producer = client('load').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return {
      async send(name, bodies) {
        const sends = [];
        for (let i = 0; i < bodies.length; i += FILL_BATCH) {
          sends.push(
            producer.send({
              topic: name,
              acks: -1,
              messages: bodies.slice(i, i + FILL_BATCH).map((value) => ({ value })),
            }),
          );
        }
        await Promise.all(sends);
      },
      close: () => producer.disconnect(),
    };
  },

  /** Reads `name` from its beginning and calls `onBody(buffer)` per message until closed. */
  async collect(name, onBody) {
    const consumer = client('collect').consumer({
      groupId: `${name}-collector`,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [name], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) onBody(m.value);
      },
    });
    return { close: () => consumer.disconnect() };
  },

  /**
   * Baseline source: consumes `name` in group `<name>.pipe`, hands each chunk of up to `maxInFlight`
   * messages to `handle(body)` and marks the offsets done only after every handle() resolved
   * (offsets committed by kafkajs' auto-commit, which only commits resolved offsets).
   */
  async source(name, maxInFlight, handle) {
    const consumer = client('pipe').consumer({ groupId: `${name}.pipe`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: [name], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: 1000,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        const messages = batch.messages;
        for (let i = 0; i < messages.length; i += maxInFlight) {
          if (!isRunning() || isStale()) return;
          const chunk = messages.slice(i, i + maxInFlight);
          await Promise.all(chunk.map((m) => handle(m.value)));
          resolveOffset(chunk[chunk.length - 1].offset);
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
    return { close: () => consumer.disconnect() };
  },

  /** Baseline sink: messages published in one event-loop turn go out in one acks=-1 request. */
  async sink(name) {
    const producer = client('pipe').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const batcher = createTickBatcher(
      (bodies) => producer.send({ topic: name, acks: -1, messages: bodies.map((value) => ({ value })) }),
      FILL_BATCH,
    );
    return { publish: (body) => batcher.push(body), close: () => producer.disconnect() };
  },
};
