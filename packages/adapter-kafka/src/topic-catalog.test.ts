import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { KafkaTransportOptions } from './kafka-options.js';
import { TopicCatalog } from './topic-catalog.js';

const options = { autoCreateTopics: true, topicPartitions: 3, replicationFactor: 1 } as KafkaTransportOptions;

/** kafkajs' error for a topic the broker does not know yet (retriable). */
const unknownTopic = () =>
  Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });

/**
 * A kafkajs admin for topic "t" that does not exist until created: it records its calls; `create`
 * and `metadata` decide what the nth call of each does (return, or throw what they return).
 */
function fakeAdmin(script: {
  create?: (n: number) => Error | undefined;
  metadata: (n: number) => Error | number;
}) {
  const calls: string[] = [];
  const count = { create: 0, metadata: 0 };
  let created = false;
  const admin = {
    listTopics: async () => {
      calls.push('list');
      return created ? ['t'] : [];
    },
    createTopics: async () => {
      calls.push('create');
      created = true;
      const error = script.create?.(++count.create);
      if (error) throw error;
      return true;
    },
    fetchTopicMetadata: async () => {
      calls.push('metadata');
      const result = script.metadata(++count.metadata);
      if (result instanceof Error) throw result;
      return { topics: [{ name: 't', partitions: Array.from({ length: result }, () => ({})) }] };
    },
  } as unknown as Admin;
  return { admin, calls, count };
}

describe('TopicCatalog', () => {
  it('creates a missing topic and retries its metadata while the broker still says unknown', async () => {
    const { admin, calls } = fakeAdmin({ metadata: (n) => (n < 3 ? unknownTopic() : 3) });
    await expect(new TopicCatalog(admin, options).ensure('t')).resolves.toBe(3);
    expect(calls).toEqual(['list', 'create', 'metadata', 'list', 'metadata', 'list', 'metadata']);
  });

  it("looks again when kafkajs' leader check after the create says the topic is unknown", async () => {
    const { admin, calls } = fakeAdmin({ create: () => unknownTopic(), metadata: () => 1 });
    await expect(new TopicCatalog(admin, options).ensure('t')).resolves.toBe(1);
    expect(calls).toEqual(['list', 'create', 'list', 'metadata']);
  });

  it('does not retry an error that is not retriable', async () => {
    const denied = Object.assign(new Error('Topic authorization failed'), {
      type: 'TOPIC_AUTHORIZATION_FAILED',
      retriable: false,
    });
    const { admin, count } = fakeAdmin({ metadata: () => denied });
    await expect(new TopicCatalog(admin, options).ensure('t')).rejects.toThrow();
    expect(count.metadata).toBe(1);
  });
});
