export { decodeEnvelope, ENVELOPE_MAGIC, encodeEnvelope } from './channel-envelope.js';
export { redisAdapter } from './redis-adapter.js';
export type { RedisAddress } from './redis-address.js';
export { parseRedisAddress, redisAddressSchema } from './redis-address.js';
export type { RedisTransportOptions } from './redis-options.js';
export { redisOptionsSchema } from './redis-options.js';
export { channelCapabilities, RedisTransport, streamCapabilities } from './redis-transport.js';
export { decodeEntry, encodeEntry } from './stream-entry.js';
