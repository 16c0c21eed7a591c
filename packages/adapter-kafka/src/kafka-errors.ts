import {
  AddressError,
  BrokerError,
  ConnectionError,
  DataError,
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
  /** A Node error code (kafkajs copies the socket error's onto its connection error). */
  code?: unknown;
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
 * The broker refused a record's data for good (failed validation, e.g. a null key on a compacted topic;
 * a timestamp out of the topic's accepted range): the record's fault, never the connection's.
 */
const REFUSED_DATA = new Set(['INVALID_RECORD', 'INVALID_TIMESTAMP']);
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
/** Node's codes for a broker certificate that does not verify: the CA, name or validity is wrong. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** The brokers refused this client's SASL credentials or mechanism: fix the configuration. */
const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

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
 * {@link PolybusError}: too-large records to {@link MessageTooLargeError}, records the broker refuses
 * as invalid to {@link DataError} (both message faults: a shared produce request is then split), unknown topics (when
 * topics are not auto-created) and invalid topic names to {@link AddressError}, connection and
 * timeout failures to a retriable {@link ConnectionError}, refused SASL credentials and a broker
 * certificate that does not verify to a non-retriable ConnectionError (`details.reason`
 * `'authentication'` or `'tls'`; the message never holds the password), and any other broker error to a
 * {@link BrokerError}, retriable unless Kafka declares the error permanent (a leader change after
 * kafkajs exhausted its own retries is still retriable). A PolybusError passes through. Pure; never throws.
 */
export function mapKafkaError(error: unknown, context: KafkaErrorContext): PolybusError {
  // A kafkajs connection error carries a string `code` (ECONNREFUSED...) and `retriable`, so it looks
  // like a PolybusError to the duck-typed check: only a real one passes through.
  if (isPolybusError(error) && !String(error.name).startsWith('KafkaJS')) return error;
  const outer = (error ?? {}) as KafkaJsLikeError;
  const root = rootCause(error);
  const text = redactText(String(root?.message ?? outer.message ?? error));
  const message = `kafka ${context.operation} failed: ${text}`;
  const details = { kafkaError: root?.name ?? outer.name, type: root?.type };
  if (root?.type !== undefined) {
    if (TOO_LARGE.has(root.type)) return new MessageTooLargeError(message, { cause: error, details });
    if (REFUSED_DATA.has(root.type)) return new DataError(message, { cause: error, details });
    if (BAD_TOPIC.has(root.type)) return new AddressError(message, { cause: error, details });
    if (root.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return context.autoCreateTopics
        ? new BrokerError(message, { cause: error, details, retriable: true })
        : new AddressError(message, { cause: error, details });
    }
  }
  const names = [outer.name, root?.name];
  if (
    names.includes('KafkaJSSASLAuthenticationError') ||
    (root?.type !== undefined && AUTH_TYPES.has(root.type))
  ) {
    return new ConnectionError(
      `kafka ${context.operation} failed: authentication refused (check the sasl option's mechanism, username and password): ${text}`,
      { cause: error, details: { ...details, reason: 'authentication' }, retriable: false },
    );
  }
  const code = typeof root?.code === 'string' ? root.code : undefined;
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return new ConnectionError(
      `kafka ${context.operation} failed: the broker's TLS certificate did not verify (check tls.ca and tls.servername): ${text}`,
      { cause: error, details: { ...details, reason: 'tls', tlsCode: code }, retriable: false },
    );
  }
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
