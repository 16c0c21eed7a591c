import { defineAdapter } from '@polybus/core';
import { amqp1AddressSchema } from './amqp1-address.js';
import { type Amqp1TransportOptions, amqp1OptionsSchema } from './amqp1-options.js';
import { Amqp1Transport, amqp1Capabilities } from './amqp1-transport.js';

/**
 * The `amqp1://[user:pass@]host[:port]` adapter (`amqps1://` for TLS): AMQP 1.0 brokers such as
 * ActiveMQ Artemis. Addresses: a topic string or `{ topic }` (multicast; groups are durable shared
 * subscriptions) and `{ queue }` (anycast). `create` does no I/O; `connect()` does.
 */
export const amqp1Adapter = defineAdapter<Amqp1TransportOptions>({
  scheme: 'amqp1',
  aliases: ['amqps1'],
  description:
    'AMQP 1.0 (ActiveMQ Artemis, Qpid, Azure Service Bus...), on rhea: topics with durable shared subscriptions, queues',
  optionsSchema: amqp1OptionsSchema,
  addressSchema: amqp1AddressSchema,
  capabilities: amqp1Capabilities(amqp1OptionsSchema.parse({}).maxMessageBytes),
  create(url, options, { logger }) {
    return new Amqp1Transport(url, options, logger);
  },
});
