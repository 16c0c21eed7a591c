import { z } from 'zod';
import { defineAdapter } from '../registry.js';
import { memoryAddressSchema } from './memory-address.js';
import { MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';

/** Options schema of `memory://` connections (see {@link MemoryTransportOptions}). */
export const memoryOptionsSchema = z.strictObject({
  maxQueuedPerGroup: z.number().int().positive().default(100_000),
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  publishTimeoutMs: z.number().int().positive().default(30_000),
});

/** The `memory://<name>` adapter: an in-process broker, the embedded default. */
export const memoryAdapter = defineAdapter<MemoryTransportOptions>({
  scheme: 'memory',
  description: 'In-process broker with groups, ack/nack, order per key and backpressure (memory://<name>)',
  optionsSchema: memoryOptionsSchema,
  addressSchema: memoryAddressSchema,
  capabilities: {
    persistent: true,
    consumerGroups: true,
    orderedPerKey: true,
    nackDelay: true,
    replay: false,
    headers: true,
    maxMessageBytes: 64 * 1024 * 1024,
  },
  create(url, options, { logger }) {
    const name = url.replace(/^memory:(\/\/)?/i, '').replace(/\/+$/, '') || 'default';
    return new MemoryTransport(name, options, logger);
  },
});
