import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** Kafka's own rule for topic names: 1-249 of `[a-zA-Z0-9._-]`, and not `.` or `..`. */
const TOPIC = z
  .string()
  .min(1, 'topic must not be empty')
  .max(249, 'topic must be at most 249 characters')
  .regex(/^[a-zA-Z0-9._-]+$/, 'topic may contain only letters, digits and . _ -')
  .refine((t) => t !== '.' && t !== '..', 'topic must not be "." or ".."');

/** Addresses of `kafka://`: a topic name, or `{ topic }`. */
export const kafkaAddressSchema = z.union([TOPIC, z.strictObject({ topic: TOPIC })]);

/** A parsed Kafka address. */
export interface KafkaAddress {
  readonly topic: string;
}

/** Parses a Kafka address or throws {@link AddressError} naming what is wrong. Pure. */
export function parseKafkaAddress(address: Address): KafkaAddress {
  const parsed = kafkaAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid kafka address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  return typeof parsed.data === 'string' ? { topic: parsed.data } : { topic: parsed.data.topic };
}
