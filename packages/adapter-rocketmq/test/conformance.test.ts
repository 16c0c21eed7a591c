import { describeConformance, requireBroker } from '@polybus/core/testing';
import { ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT, rocketmqTransport, TopicPool } from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);

if (up) {
  const pool = new TopicPool();
  await describeConformance({
    name: 'rocketmq',
    createTransport: () => rocketmqTransport(),
    address: () => pool.topic(),
    invalidAddress: 'not a topic',
    timeoutMs: 45_000,
    bulkCount: 5_000,
  });
}
