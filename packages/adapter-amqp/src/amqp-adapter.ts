import { defineAdapter } from '@polybus/core';
import { amqpAddressSchema } from './amqp-address.js';
import { type AmqpTransportOptions, amqpOptionsSchema } from './amqp-options.js';
import { AmqpTransport, amqpCapabilities } from './amqp-transport.js';

/**
 * The `amqp://` / `amqps://` adapter (RabbitMQ on amqplib). Register it explicitly:
 * `connect(url, { adapters: [amqpAdapter] })` or `createRegistry(amqpAdapter)`.
 */
export const amqpAdapter = defineAdapter<AmqpTransportOptions>({
  scheme: 'amqp',
  aliases: ['amqps'],
  description:
    'RabbitMQ (AMQP 0-9-1): topic exchanges with group queues, publisher confirms, reconnect (amqp://user:pass@host:5672/vhost)',
  optionsSchema: amqpOptionsSchema,
  addressSchema: amqpAddressSchema,
  capabilities: amqpCapabilities(128 * 1024 * 1024),
  create(url, options, { logger }) {
    return new AmqpTransport(url, options, logger);
  },
});
