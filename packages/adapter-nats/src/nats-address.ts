import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** Longest subject accepted. */
export const MAX_SUBJECT_LENGTH = 1024;

/**
 * True when `subject` is a valid NATS subject: dot-separated non-empty tokens without whitespace;
 * `*` may stand as a whole token and `>` as the whole last token (wildcards, for subscribing).
 */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) return false;
  const tokens = subject.split('.');
  return tokens.every((token, i) => {
    if (token.length === 0 || /\s/.test(token) || token.includes(String.fromCharCode(0))) return false;
    if (token === '>') return i === tokens.length - 1;
    return !(token.length > 1 && (token.includes('*') || token.includes('>')));
  });
}

/** True when `subject` contains a `*` or `>` wildcard token. */
export function hasWildcard(subject: string): boolean {
  return subject.split('.').some((t) => t === '*' || t === '>');
}

const SUBJECT = z
  .string()
  .refine(
    isValidSubject,
    'subject must be dot-separated non-empty tokens without whitespace (`*`, `>` as whole tokens)',
  );

const STREAM_NAME = z
  .string()
  .min(1, 'stream name must not be empty')
  .max(255, 'stream name must be at most 255 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'stream name may contain only letters, digits, _ and -');

/**
 * Addresses of `nats://`: a subject string or `{ subject, stream? }` for JetStream (persistent, the
 * default), or `{ subject, core: true }` for core NATS (at-most-once).
 */
export const natsAddressSchema = z.union([
  SUBJECT,
  z
    .strictObject({ subject: SUBJECT, stream: STREAM_NAME.optional(), core: z.boolean().optional() })
    .refine((a) => !(a.core === true && a.stream !== undefined), 'a core NATS address cannot name a stream'),
]);

/** A parsed NATS address. */
export type NatsAddress =
  | { readonly kind: 'jetstream'; readonly subject: string; readonly stream?: string }
  | { readonly kind: 'core'; readonly subject: string };

/** Parses a NATS address or throws {@link AddressError} naming what is wrong. Pure. */
export function parseNatsAddress(address: Address): NatsAddress {
  const parsed = natsAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid nats address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const data = parsed.data;
  if (typeof data === 'string') return { kind: 'jetstream', subject: data };
  if (data.core === true) return { kind: 'core', subject: data.subject };
  return data.stream === undefined
    ? { kind: 'jetstream', subject: data.subject }
    : { kind: 'jetstream', subject: data.subject, stream: data.stream };
}

/** Like {@link parseNatsAddress}, and also rejects wildcard subjects (one cannot publish to them). */
export function parsePublishAddress(address: Address): NatsAddress {
  const parsed = parseNatsAddress(address);
  if (hasWildcard(parsed.subject)) {
    throw new AddressError(`cannot publish to wildcard subject "${parsed.subject}"`);
  }
  return parsed;
}
