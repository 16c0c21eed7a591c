import { describeConformance, requireBroker } from '@polybus/core/testing';
import { afterAll } from 'vitest';
import { createTestTransport, createTopic, KAFKA_HOST, KAFKA_PORT, rawAdmin } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

if (up) {
  const admin = rawAdmin();
  const connected = admin.connect();
  afterAll(async () => {
    await connected;
    await admin.disconnect();
  });

  await describeConformance({
    name: 'kafka',
    createTransport: () => createTestTransport(),
    // 8 partitions, so two members of one group both get a share (concurrency does not need them: keys
    // of one partition are handled concurrently, see key-concurrency.test.ts).
    address: async (name) => {
      await connected;
      return createTopic(admin, name, 8);
    },
    invalidAddress: 'not a valid topic!',
    timeoutMs: 30_000,
  });
}
