import { z } from 'zod';
import type { Address } from '../address.js';
import { AddressError } from '../errors.js';
import { formatIssues } from '../registry.js';

const TOPIC = z
  .string()
  .min(1, 'topic must not be empty')
  .max(255, 'topic must be at most 255 characters')
  .regex(/^[A-Za-z0-9._\-/:~]+$/, 'topic may contain only letters, digits and . _ - / : ~');

/** Addresses of `memory://`: a topic name, or `{ topic }`. */
export const memoryAddressSchema = z.union([TOPIC, z.strictObject({ topic: TOPIC })]);

/** Parses a memory address or throws {@link AddressError} naming what is wrong. */
export function parseMemoryAddress(address: Address): { topic: string } {
  const parsed = memoryAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid memory address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  return typeof parsed.data === 'string' ? { topic: parsed.data } : parsed.data;
}
