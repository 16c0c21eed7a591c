import { describeConformance, requireBroker, uniqueName } from '@polybus/core/testing';
import { AmqpTransport, amqpAdapter } from '../src/index.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const url = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

if (up) {
  await describeConformance({
    name: 'amqp (classic queues)',
    createTransport: () => new AmqpTransport(url, amqpAdapter.optionsSchema.parse({}), silent),
    address: (name) => name,
    invalidAddress: { queue: uniqueName('missing-queue') },
  });
  await describeConformance({
    name: 'amqp (quorum queues)',
    createTransport: () =>
      new AmqpTransport(url, amqpAdapter.optionsSchema.parse({ queueType: 'quorum' }), silent),
    address: (name) => name,
    invalidAddress: { exchange: uniqueName('missing-exchange') },
    bulkCount: 2_000,
  });
}
