import { type Address, AT_MOST_ONCE, defineAdapter } from '@polybus/core';
import { z } from 'zod';
import { type StdioStreams, StdioTransport, type StdioTransportOptions } from './stdio-transport.js';

/** Options of `stdio://` connections. */
export const stdioOptionsSchema = z.strictObject({
  format: z.enum(['text', 'json']).default('text').meta({
    description:
      'text: one body per line; json: one { id, key, headers, timestamp, body } envelope per line.',
  }),
});

/** Addresses of `stdio://`: none are needed (`{}`), or `-` / `stdin` / `stdout` for readability. */
export const stdioAddressSchema: z.ZodType<Address> = z.union([
  z.enum(['-', 'stdin', 'stdout']),
  z.strictObject({}),
]);

/** Builds the `stdio://` adapter over the given streams (process stdin/stdout by default). */
export function createStdioAdapter(streams: StdioStreams = { input: process.stdin, output: process.stdout }) {
  return defineAdapter<StdioTransportOptions>({
    scheme: 'stdio',
    description: 'Standard input lines in, standard output lines out (stdio://); at-most-once',
    optionsSchema: stdioOptionsSchema,
    addressSchema: stdioAddressSchema,
    capabilities: { ...AT_MOST_ONCE, maxMessageBytes: 64 * 1024 * 1024 },
    create(_url, options, { logger }) {
      return new StdioTransport(options, streams, logger);
    },
  });
}

/** The `stdio://` adapter over process stdin and stdout. */
export const stdioAdapter = createStdioAdapter();
