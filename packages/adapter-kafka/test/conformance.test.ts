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
    // 8 partitions: a member handles its partitions one message at a time each, so a subscription
    // holds at most min(maxInFlight, partitions) deliveries; the suite holds up to 5 at once.
    address: async (name) => {
      await connected;
      return createTopic(admin, name, 8);
    },
    invalidAddress: 'not a valid topic!',
    timeoutMs: 30_000,
  });
}
