import {
  AddressError,
  BrokerError,
  ConnectionError,
  isPolybusError,
  MessageTooLargeError,
  type PolybusError,
  redactText,
} from '@polybus/core';

/** What {@link mapKafkaError} needs to know about the failed operation. */
export interface KafkaErrorContext {
  /** Short description, e.g. `publish to "orders"`. */
  readonly operation: string;
  /** Whether missing topics are created on use (then an unknown topic is a transient state). */
  readonly autoCreateTopics: boolean;
}

interface KafkaJsLikeError {
  name?: string;
  message?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSGroupCoordinatorNotFound',
]);

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const BAD_TOPIC = new Set(['INVALID_TOPIC_EXCEPTION', 'TOPIC_AUTHORIZATION_FAILED']);

/** The innermost error of a kafkajs retry / wrapper chain that carries a protocol `type`, else the innermost. */
function rootCause(error: unknown): KafkaJsLikeError {
  let current = error as KafkaJsLikeError;
  for (let depth = 0; depth < 10; depth++) {
    if (current?.type !== undefined) return current;
    const next = (current?.cause ?? current?.originalError) as KafkaJsLikeError | undefined;
    if (next === undefined || next === null || typeof next !== 'object') return current;
    current = next;
  }
  return current;
}

/**
 * Maps a kafkajs error (possibly wrapped in `KafkaJSNumberOfRetriesExceeded`) to a typed
 * {@link PolybusError}: too-large records to {@link MessageTooLargeError}, unknown topics (when
 * topics are not auto-created) and invalid topic names to {@link AddressError}, connection and
 * timeout failures to a retriable {@link ConnectionError}, and any other broker error to a
 * {@link BrokerError} retriable as kafkajs says. A PolybusError passes through. Pure; never throws.
 */
export function mapKafkaError(error: unknown, context: KafkaErrorContext): PolybusError {
  if (isPolybusError(error)) return error;
  const outer = (error ?? {}) as KafkaJsLikeError;
  const root = rootCause(error);
  const text = redactText(String(root?.message ?? outer.message ?? error));
  const message = `kafka ${context.operation} failed: ${text}`;
  const details = { kafkaError: root?.name ?? outer.name, type: root?.type };
  if (root?.type !== undefined) {
    if (TOO_LARGE.has(root.type)) return new MessageTooLargeError(message, { cause: error, details });
    if (BAD_TOPIC.has(root.type)) return new AddressError(message, { cause: error, details });
    if (root.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return context.autoCreateTopics
        ? new BrokerError(message, { cause: error, details, retriable: true })
        : new AddressError(message, { cause: error, details });
    }
  }
  const names = [outer.name, root?.name];
  if (names.some((n) => n !== undefined && CONNECTION_ERRORS.has(n))) {
    return new ConnectionError(message, { cause: error, details });
  }
  const retriable = root?.retriable ?? outer.retriable ?? outer.name === 'KafkaJSNumberOfRetriesExceeded';
  return new BrokerError(message, { cause: error, details, retriable });
}
