/**
 * Canonical header names. Every adapter maps its broker's native properties to these lower-case
 * names on receive and back on publish (documented per adapter), so a message crossing
 * AMQP -> Kafka -> AMQP keeps what its producer put in. Any other header is a user header and passes
 * through untouched.
 */
export const CanonicalHeaders = {
  messageId: 'message-id',
  correlationId: 'correlation-id',
  replyTo: 'reply-to',
  contentType: 'content-type',
  contentEncoding: 'content-encoding',
  timestamp: 'timestamp',
  expiration: 'expiration',
  priority: 'priority',
} as const;

/** One of the canonical header names. */
export type CanonicalHeaderName = (typeof CanonicalHeaders)[keyof typeof CanonicalHeaders];

/** Prefix of the headers the bridge adds (dead-letter reasons, provenance). */
export const POLYBUS_HEADER_PREFIX = 'x-polybus-';
