import { requireBroker, uniqueName } from '@polybus/core/testing';
import { rawAdmin } from '../../adapter-kafka/test/helpers.js';
import { StreamJanitor } from '../../adapter-nats/test/nats-test-env.js';

const kafkaUp = await requireBroker('kafka', '127.0.0.1', 9092);
const redisUp = await requireBroker('redis', '127.0.0.1', 6379);
const natsUp = await requireBroker('nats', '127.0.0.1', 4222);

/** A broker whose adapter reads without consuming (`MessageReader`), for broker tests of the bridge. */
export interface Case {
  readonly name: string;
  readonly up: boolean;
  readonly connection: string;
  /** A source and a sink address, as config keys. */
  addresses(): { source: Record<string, string>; sink: Record<string, string> };
  cleanup?(source: Record<string, string>, sink: Record<string, string>): Promise<void>;
}

/** Kafka, Redis Streams and JetStream, each with whether its broker is up. */
export const READER_CASES: readonly Case[] = [
  {
    name: 'kafka',
    up: kafkaUp,
    connection: 'kafka://127.0.0.1:9092',
    addresses: () => ({
      source: { topic: uniqueName('src') },
      sink: { topic: uniqueName('dst') },
    }),
    async cleanup(source, sink) {
      const admin = await rawAdmin();
      try {
        await admin.deleteTopics({ topics: [source.topic as string, sink.topic as string] });
      } catch {
        // best effort
      } finally {
        await admin.disconnect();
      }
    },
  },
  {
    name: 'redis streams',
    up: redisUp,
    connection: 'redis://127.0.0.1:6379',
    addresses: () => ({
      source: { stream: uniqueName('src') },
      sink: { stream: uniqueName('dst') },
    }),
  },
  {
    name: 'jetstream',
    up: natsUp,
    connection: JSON.stringify({ url: 'nats://127.0.0.1:4222', options: { createStreams: true } }),
    addresses: () => {
      const base = uniqueName('rd').replaceAll('-', '_');
      return { source: { subject: `${base}.src` }, sink: { subject: `${base}.dst` } };
    },
    async cleanup(source, sink) {
      const janitor = new StreamJanitor();
      janitor.subject(source.subject as string);
      janitor.subject(sink.subject as string);
      await janitor.clean();
    },
  },
];
