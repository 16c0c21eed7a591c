import { defineAdapter } from '@polybus/core';
import { kafkaAddressSchema } from './kafka-address.js';
import { type KafkaTransportOptions, kafkaOptionsSchema } from './kafka-options.js';
import { KAFKA_CAPABILITIES, KafkaTransport } from './kafka-transport.js';

/**
 * The `kafka://host:port[,host:port]` adapter (Apache Kafka on kafkajs; `kafkas://` for TLS). Register it explicitly:
 * `connect(url, { adapters: [kafkaAdapter] })` or `createRegistry(kafkaAdapter)`.
 */
export const kafkaAdapter = defineAdapter<KafkaTransportOptions>({
  scheme: 'kafka',
  aliases: ['kafkas'],
  description:
    'Apache Kafka via kafkajs: groups, ordered per partition, contiguous offset commits (kafka://host:port)',
  optionsSchema: kafkaOptionsSchema,
  addressSchema: kafkaAddressSchema,
  capabilities: { ...KAFKA_CAPABILITIES, maxMessageBytes: kafkaOptionsSchema.parse({}).maxMessageBytes },
  create(url, options, { logger }) {
    return new KafkaTransport(url, options, logger);
  },
});
