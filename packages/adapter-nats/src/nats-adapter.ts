import { defineAdapter } from '@polybus/core';
import { natsAddressSchema } from './nats-address.js';
import { DEFAULT_MAX_PAYLOAD, jetStreamCapabilities } from './nats-capabilities.js';
import { type NatsTransportOptions, natsOptionsSchema } from './nats-options.js';
import { NatsTransport } from './nats-transport.js';

/**
 * The `nats://[user:pass@]host[:port][,host:port]` adapter: JetStream subjects (default, persistent)
 * and core NATS subjects (`{ subject, core: true }`, at-most-once, request/reply). `create` does no
 * I/O; `connect()` does.
 */
export const natsAdapter = defineAdapter<NatsTransportOptions>({
  scheme: 'nats',
  description:
    'NATS JetStream (durable pull consumers) and core NATS (queue groups, request/reply), on nats.js',
  optionsSchema: natsOptionsSchema,
  addressSchema: natsAddressSchema,
  capabilities: jetStreamCapabilities(DEFAULT_MAX_PAYLOAD),
  create(url, options, { logger }) {
    return new NatsTransport(url, options, logger);
  },
});
