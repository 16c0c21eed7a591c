/**
 * `@polybus/adapter-kafka`: Apache Kafka for polybus, on kafkajs. Register {@link kafkaAdapter} on a
 * registry or pass it to `connect()`; {@link KafkaTransport} is the transport it creates.
 */
export { kafkaAdapter } from './kafka-adapter.js';
export type { KafkaAddress } from './kafka-address.js';
export { kafkaAddressSchema, parseKafkaAddress } from './kafka-address.js';
export type { KafkaErrorContext } from './kafka-errors.js';
export { mapKafkaError } from './kafka-errors.js';
export { kafkaLogCreator } from './kafka-logger.js';
export type { KafkaTransportOptions } from './kafka-options.js';
export { kafkaOptionsSchema, parseKafkaUrl } from './kafka-options.js';
export { fromKafkaRecord, toKafkaRecord } from './kafka-record.js';
export type { KafkaSubscriptionInit } from './kafka-subscription.js';
export { KafkaSubscription } from './kafka-subscription.js';
export type { KafkaTransportHooks } from './kafka-transport.js';
export { KAFKA_CAPABILITIES, KafkaTransport } from './kafka-transport.js';
export type { PartitionCommit } from './offset-tracker.js';
export { OffsetTracker } from './offset-tracker.js';
