import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** Longest topic name RocketMQ accepts. */
export const MAX_TOPIC_LENGTH = 127;

const TOPIC = z
  .string()
  .min(1, 'topic must not be empty')
  .max(MAX_TOPIC_LENGTH, `topic must be at most ${MAX_TOPIC_LENGTH} characters`)
  .regex(/^[%|a-zA-Z0-9_-]+$/, 'topic may contain only letters, digits, %, |, _ and -');

const TAG = z
  .string()
  .min(1, 'tag must not be empty')
  .refine((t) => !/\s/.test(t.replace(/ \|\| /g, '')), 'tag must not contain whitespace');

/**
 * Addresses of `rocketmq://`: a topic name, or `{ topic, tag? }`. On publish `tag` is the message's
 * tag (one tag); on subscribe it is the tag filter expression (`*`, `a`, `a || b`).
 */
export const rocketmqAddressSchema = z.union([TOPIC, z.strictObject({ topic: TOPIC, tag: TAG.optional() })]);

/** A parsed RocketMQ address. */
export interface RocketmqAddress {
  readonly topic: string;
  /** The tag (publish) or tag filter expression (subscribe); absent = no tag / every tag. */
  readonly tag?: string;
}

/** Parses an address or throws {@link AddressError} naming what is wrong. Pure. */
export function parseRocketmqAddress(address: Address): RocketmqAddress {
  const parsed = rocketmqAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid rocketmq address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const data = parsed.data;
  if (typeof data === 'string') return { topic: data };
  return data.tag === undefined ? { topic: data.topic } : { topic: data.topic, tag: data.tag };
}

/** Like {@link parseRocketmqAddress}, and rejects a tag that is an expression (one cannot publish with it). */
export function parsePublishAddress(address: Address): RocketmqAddress {
  const parsed = parseRocketmqAddress(address);
  if (parsed.tag !== undefined && (parsed.tag === '*' || parsed.tag.includes('||'))) {
    throw new AddressError(`cannot publish with the tag expression "${parsed.tag}": give one tag`);
  }
  return parsed;
}

/** The subscribe filter expression of an address: its tag expression, or `*` (every tag). */
export function filterExpressionOf(address: RocketmqAddress): string {
  return address.tag ?? '*';
}
