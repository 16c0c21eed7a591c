import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** Longest topic accepted, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 1024;

const TOPIC = z
  .string()
  .refine((t) => !t.includes('\0'), 'topic must not contain NUL characters')
  .refine(
    (t) => Buffer.byteLength(t, 'utf8') <= MAX_TOPIC_BYTES,
    `topic must be at most ${MAX_TOPIC_BYTES} bytes`,
  );

/**
 * Addresses of `zmq+*://`: a topic string, or `{ topic?, exact? }`. On a `pubsub` endpoint the topic
 * is the first frame of every message; a subscription receives every topic that starts with its
 * topic (ZeroMQ's prefix filter; `''` receives all), or only the topic itself with `exact: true`.
 * On a `pushpull` endpoint there are no topics: the address is `''` or `{}`.
 */
export const zmqAddressSchema = z.union([
  TOPIC,
  z.strictObject({ topic: TOPIC.optional(), exact: z.boolean().optional() }),
]);

/** A parsed ZeroMQ address. */
export interface ZmqAddress {
  /** The topic ('' when none). */
  readonly topic: string;
  /** Deliver only messages whose topic equals `topic` (instead of starting with it). */
  readonly exact: boolean;
}

/**
 * Parses an address for an endpoint of `pattern`, or throws {@link AddressError} naming what is wrong
 * (a topic on a push/pull endpoint is an error: PUSH/PULL has no topics). Pure.
 */
export function parseZmqAddress(address: Address, pattern: 'pubsub' | 'pushpull'): ZmqAddress {
  const parsed = zmqAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid zmq address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const data = parsed.data;
  const result =
    typeof data === 'string'
      ? { topic: data, exact: false }
      : { topic: data.topic ?? '', exact: data.exact ?? false };
  if (pattern === 'pushpull' && (result.topic !== '' || result.exact)) {
    throw new AddressError(
      `invalid zmq address ${JSON.stringify(address)}: a push/pull endpoint has no topics (use '' or {})`,
    );
  }
  return result;
}
