import { amqpBroker } from './amqp.mjs';
import { kafka } from './kafka.mjs';
import { natsBroker } from './nats.mjs';
import { redisBroker } from './redis.mjs';

/** Every broker the benchmark talks to, by short name. */
export const brokers = { kafka, amqp: amqpBroker, redis: redisBroker, nats: natsBroker };

/** The route pairs of the benchmark, in report order. */
export const PAIRS = [
  { id: 'kafka-kafka', source: 'kafka', sink: 'kafka' },
  { id: 'amqp-kafka', source: 'amqp', sink: 'kafka' },
  { id: 'kafka-amqp', source: 'kafka', sink: 'amqp' },
  { id: 'redis-nats', source: 'redis', sink: 'nats' },
  { id: 'nats-redis', source: 'nats', sink: 'redis' },
  { id: 'amqp-amqp', source: 'amqp', sink: 'amqp' },
];

/** "RabbitMQ -> Kafka" for a pair. */
export function pairLabel(pair) {
  return `${brokers[pair.source].label} -> ${brokers[pair.sink].label}`;
}
