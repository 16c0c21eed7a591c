import { createMessage, type Message, redactText } from '@polybus/core';

/** Header names the bridge adds to a dead-lettered message. */
export const DeadLetterHeaders = {
  error: 'x-polybus-error',
  route: 'x-polybus-route',
  source: 'x-polybus-source',
  attempts: 'x-polybus-attempts',
} as const;

/** Why and where a message failed. */
export interface DeadLetterReason {
  readonly route: string;
  /** `<connection>/<address>` the message was read from. */
  readonly source: string;
  /** Publish attempts made (1 for a data error). */
  readonly attempts: number;
  readonly error: unknown;
}

const MAX_ERROR_LENGTH = 1000;

/**
 * The message to put on the dead-letter target: the original id, body bytes, key, timestamp and
 * headers untouched, plus `x-polybus-error` (redacted, one line, at most 1000 chars),
 * `x-polybus-route`, `x-polybus-source` and `x-polybus-attempts`. Pure.
 */
export function deadLetterMessage(original: Message, reason: DeadLetterReason): Message {
  const raw = reason.error instanceof Error ? reason.error.message : String(reason.error);
  const error = redactText(raw).replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_LENGTH);
  return createMessage({
    id: original.id,
    body: original.body,
    ...(original.key === undefined ? {} : { key: original.key }),
    timestamp: original.timestamp,
    headers: {
      ...original.headers,
      [DeadLetterHeaders.error]: error || 'unknown error',
      [DeadLetterHeaders.route]: reason.route,
      [DeadLetterHeaders.source]: reason.source,
      [DeadLetterHeaders.attempts]: String(reason.attempts),
    },
  });
}
