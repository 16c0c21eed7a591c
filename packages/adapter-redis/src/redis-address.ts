import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

const NAME = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((s) => !/[\r\n\0]/.test(s), 'must not contain CR, LF or NUL');

/**
 * Addresses of `redis://`: a stream key (string or `{ stream }`, the default, at-least-once) or a
 * Pub/Sub channel (`{ channel }`, at-most-once).
 */
export const redisAddressSchema = z.union([
  NAME,
  z.strictObject({ stream: NAME }),
  z.strictObject({ channel: NAME }),
]);

/** A parsed Redis address: which mode and which key or channel. */
export type RedisAddress =
  | { readonly kind: 'stream'; readonly stream: string }
  | { readonly kind: 'channel'; readonly channel: string };

/**
 * Parses a Redis address. Pure; throws {@link AddressError} naming what is wrong (never a plain Error).
 */
export function parseRedisAddress(address: Address): RedisAddress {
  const parsed = redisAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid redis address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const value = parsed.data;
  if (typeof value === 'string') return { kind: 'stream', stream: value };
  if ('stream' in value) return { kind: 'stream', stream: value.stream };
  return { kind: 'channel', channel: value.channel };
}
