import { defineAdapter } from '@polybus/core';
import { redisAddressSchema } from './redis-address.js';
import { type RedisTransportOptions, redisOptionsSchema } from './redis-options.js';
import { RedisTransport, streamCapabilities } from './redis-transport.js';

/**
 * The `redis://` adapter (alias `rediss://` for TLS): Redis Streams with consumer groups by default,
 * Pub/Sub channels with `{ channel }`. Register it explicitly, e.g. `connect(url, { adapters: [redisAdapter] })`.
 */
export const redisAdapter = defineAdapter<RedisTransportOptions>({
  scheme: 'redis',
  aliases: ['rediss'],
  description:
    'Redis Streams (consumer groups, at-least-once) and Pub/Sub channels (at-most-once), on ioredis',
  optionsSchema: redisOptionsSchema,
  addressSchema: redisAddressSchema,
  capabilities: streamCapabilities(64 * 1024 * 1024),
  create(url, options, { logger }) {
    return new RedisTransport(url, options, logger);
  },
});
