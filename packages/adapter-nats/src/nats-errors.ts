import {
  AddressError,
  BrokerError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  type PolybusError,
  redactText,
  TimeoutError,
  toPolybusError,
} from '@polybus/core';
import { isTlsVerificationError } from '@polybus/core/adapter-kit';

/** The shape of a nats.js `NatsError` this module reads (duck-typed, so it stays pure). */
interface NatsErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly api_error?: {
    readonly code?: unknown;
    readonly err_code?: unknown;
    readonly description?: unknown;
  };
}

/** JetStream API error codes (`err_code`) the adapter branches on. */
export const JsErrCode = {
  streamNotFound: 10059,
  consumerNotFound: 10014,
  streamNameInUse: 10058,
  subjectsOverlap: 10065,
} as const;

function shape(error: unknown): NatsErrorLike {
  return typeof error === 'object' && error !== null ? (error as NatsErrorLike) : {};
}

/** The nats.js error code (`'TIMEOUT'`, `'503'`, ...), or undefined. */
export function natsCode(error: unknown): string | undefined {
  const { code } = shape(error);
  return typeof code === 'string' ? code : undefined;
}

/** The JetStream API `err_code`, or undefined when `error` is no JetStream API error. */
export function jsErrCode(error: unknown): number | undefined {
  const code = shape(error).api_error?.err_code;
  return typeof code === 'number' ? code : undefined;
}

/** True for "no responders" (503): nobody listens on the subject (no stream captures it, no replier). */
export function isNoResponders(error: unknown): boolean {
  return natsCode(error) === '503';
}

/** True when a JetStream consumer is gone (deleted, not found, or its stream is gone). */
export function isConsumerGone(error: unknown): boolean {
  const code = jsErrCode(error);
  if (code === JsErrCode.consumerNotFound || code === JsErrCode.streamNotFound) return true;
  const message = String(shape(error).message ?? '').toLowerCase();
  return (
    isNoResponders(error) ||
    message.includes('consumer not found') ||
    message.includes('consumer deleted') ||
    message.includes('stream not found')
  );
}

/**
 * The {@link ConnectionError} of a failed first connect to `servers` (pure): an authorization failure
 * or a server certificate that fails verification is not retriable and says so (`details.reason`:
 * `auth` / `tls`); anything else is retriable. Names the servers, never the URL's credentials.
 */
export function connectFailure(servers: readonly string[], error: unknown): ConnectionError {
  const code = natsCode(error);
  const where = `cannot connect to nats ${servers.join(',')}`;
  if (
    code === 'AUTHORIZATION_VIOLATION' ||
    code === 'BAD_AUTHENTICATION' ||
    code === 'AUTHENTICATION_EXPIRED'
  )
    return new ConnectionError(`${where}: authentication failed (${code})`, {
      cause: error,
      retriable: false,
      details: { reason: 'auth' },
    });
  const chained = (error as { chainedError?: unknown } | null)?.chainedError;
  if (isTlsVerificationError(error) || isTlsVerificationError(chained))
    return new ConnectionError(`${where}: TLS server certificate not trusted (${tlsText(error, chained)})`, {
      cause: error,
      retriable: false,
      details: { reason: 'tls' },
    });
  return new ConnectionError(`${where}: ${fromNatsError(error, 'connect').message}`, { cause: error });
}

function tlsText(error: unknown, chained: unknown): string {
  const source = isTlsVerificationError(chained) ? chained : error;
  return redactText(String(shape(source).message ?? source));
}

/**
 * Maps a nats.js error to a {@link PolybusError} (pure): timeouts to TimeoutError, a lost or refused
 * connection to ConnectionError, an oversized payload to MessageTooLargeError, a bad header to
 * DataError, a bad subject to AddressError, authorization failures to a non-retriable error,
 * anything else to a BrokerError. PolybusErrors pass through. Messages are redacted.
 */
export function fromNatsError(error: unknown, context: string): PolybusError {
  const code = natsCode(error);
  const text = redactText(String(shape(error).message ?? error));
  const detail = `${context}: ${text}`;
  switch (code) {
    case 'TIMEOUT':
      return new TimeoutError(detail, { cause: error });
    case 'CONNECTION_CLOSED':
    case 'CONNECTION_DRAINING':
    case 'CONNECTION_REFUSED':
    case 'CONNECTION_TIMEOUT':
    case 'DISCONNECT':
      return new ConnectionError(detail, { cause: error });
    case 'AUTHORIZATION_VIOLATION':
    case 'BAD_AUTHENTICATION':
    case 'AUTHENTICATION_EXPIRED':
    case 'ACCOUNT_EXPIRED':
      return new ConnectionError(detail, { cause: error, retriable: false });
    case 'PERMISSIONS_VIOLATION':
      return new BrokerError(detail, { cause: error, retriable: false });
    case 'MAX_PAYLOAD_EXCEEDED':
      return new MessageTooLargeError(detail, { cause: error });
    case 'BAD_HEADER':
      return new DataError(detail, { cause: error });
    case 'BAD_SUBJECT':
      return new AddressError(detail, { cause: error });
    default:
      return toPolybusError(error, context);
  }
}
