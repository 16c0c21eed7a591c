import { DataError } from '../errors.js';
import type { Message } from '../message.js';

/**
 * The canonical `expiration` header as milliseconds: digits only, at most `max` (an AMQP 1.0 `ttl` is a
 * uint, so 2^32 - 1 there). Throws {@link DataError} otherwise, naming the message and the header but
 * never quoting the value (a header value is the sender's data, possibly large or private). Pure.
 */
export function expirationHeaderMs(message: Message, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms > max) {
    throw new DataError(
      `message ${message.id}: header "expiration" must be milliseconds (digits, at most ${max}), got ${describeRejected(value)}`,
    );
  }
  return ms;
}

/**
 * The canonical `priority` header as an integer 0-255. Throws {@link DataError} otherwise, naming the
 * message and the header but never quoting the value. Pure.
 */
export function priorityHeader(message: Message, value: string): number {
  const priority = Number(value);
  if (!/^\d+$/.test(value) || priority > 255) {
    throw new DataError(
      `message ${message.id}: header "priority" must be an integer 0-255, got ${describeRejected(value)}`,
    );
  }
  return priority;
}

/** What was wrong with a refused value, without its text: its length and whether it had digits only. */
function describeRejected(value: string): string {
  if (value.length === 0) return 'an empty value';
  return /^\d+$/.test(value)
    ? `a number too large (${value.length} digits)`
    : `a ${value.length}-character value that is not digits only`;
}
