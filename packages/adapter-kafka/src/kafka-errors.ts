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
/**
 * Protocol errors that describe a passing cluster state (leader moves, elections, replicas catching
 * up, coordinator changes): retriable whatever flag the wrapper around them carries, since kafkajs
 * marks everything it stopped retrying as non-retriable.
 */
const TRANSIENT_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'KAFKA_STORAGE_ERROR',
  'NOT_CONTROLLER',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'REBALANCE_IN_PROGRESS',
  'OFFSET_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
  'THROTTLING_QUOTA_EXCEEDED',
]);
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
 * {@link BrokerError}, retriable unless Kafka declares the error permanent (a leader change after
 * kafkajs exhausted its own retries is still retriable). A PolybusError passes through. Pure; never throws.
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
  return new BrokerError(message, { cause: error, details, retriable: isRetriable(root) });
}

/**
 * Whether the failure may pass if the operation is repeated: transient cluster states always; other
 * protocol errors as Kafka's error table says (kafkajs copies it onto the error); errors without a
 * protocol type (client-side state such as stale metadata) are assumed transient. The flag on a
 * `KafkaJSNumberOfRetriesExceeded` wrapper is never used: it says kafkajs gave up, not that the
 * broker refused for good.
 */
function isRetriable(root: KafkaJsLikeError | undefined): boolean {
  if (root?.type !== undefined) return TRANSIENT_TYPES.has(root.type) || root.retriable === true;
  return root?.name === 'KafkaJSNumberOfRetriesExceeded' ? true : (root?.retriable ?? true);
}
