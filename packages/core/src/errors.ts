/**
 * One error hierarchy for every polybus package.
 *
 * Every error a public polybus API throws or rejects with is a {@link PolybusError}: it has a stable
 * `code` to branch on, a `retriable` flag that says whether trying the same operation again later can
 * succeed, and the underlying `cause` when there is one. Messages never contain credentials: URLs are
 * passed through {@link redactUrl} before they are put in a message.
 */

import { redactText } from './redact.js';

export { isSecretParam, redactText, redactUrl } from './redact.js';

/** Stable machine-readable error codes. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'ADDRESS_INVALID'
  | 'UNKNOWN_SCHEME'
  | 'CONNECTION_FAILED'
  | 'NOT_CONNECTED'
  | 'CLOSED'
  | 'PUBLISH_REJECTED'
  | 'MESSAGE_TOO_LARGE'
  | 'UNROUTABLE'
  | 'TIMEOUT'
  | 'UNSUPPORTED'
  | 'DATA_INVALID'
  | 'BROKER_ERROR'
  | 'INTERNAL';

/** Options common to every polybus error. */
export interface PolybusErrorOptions {
  /** The error that caused this one (a driver error, a parse error...). */
  cause?: unknown;
  /** Overrides the class's default `retriable`. */
  retriable?: boolean;
  /** Extra structured detail (never credentials). */
  details?: Readonly<Record<string, unknown>>;
}

/** Base class of all polybus errors. Branch on `code`, retry only when `retriable`. */
export class PolybusError extends Error {
  /** Stable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** True when the same operation may succeed if tried again later (broker down, timeout). */
  readonly retriable: boolean;
  /** Structured detail, safe to log. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, retriable: boolean, options: PolybusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? retriable;
    this.details = options.details;
  }

  /** A JSON-safe view (code, message, retriable, details, cause message). */
  toJSON(): Record<string, unknown> {
    const raw = this.cause instanceof Error ? this.cause.message : this.cause;
    const cause = typeof raw === 'string' ? redactText(raw) : raw;
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      details: this.details,
      cause,
    };
  }
}

/** Invalid configuration or options. Not retriable: fix the input. */
export class ConfigError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('CONFIG_INVALID', message, false, options);
  }
}

/** An address (queue, topic, stream, subject) the adapter cannot use. Not retriable. */
export class AddressError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('ADDRESS_INVALID', message, false, options);
  }
}

/** No adapter is registered for a URL scheme. Not retriable. */
export class UnknownSchemeError extends PolybusError {
  constructor(scheme: string, known: readonly string[], options?: PolybusErrorOptions) {
    super(
      'UNKNOWN_SCHEME',
      `no adapter registered for scheme "${scheme}:" (registered: ${known.map((s) => `${s}:`).join(', ') || 'none'})`,
      false,
      options,
    );
  }
}

/** The broker could not be reached or the connection broke. Retriable by default. */
export class ConnectionError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('CONNECTION_FAILED', message, true, options);
  }
}

/** An operation needs a connection that is currently down (reconnect in progress). Retriable. */
export class NotConnectedError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('NOT_CONNECTED', message, true, options);
  }
}

/** The transport or subscription was closed by its owner. Not retriable on this instance. */
export class ClosedError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('CLOSED', message, false, options);
  }
}

/** The broker refused a publish (negative confirm, nack). Retriable by default. */
export class PublishError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('PUBLISH_REJECTED', message, true, options);
  }
}

/** A message is larger than the broker or address accepts. Not retriable: a data error. */
export class MessageTooLargeError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('MESSAGE_TOO_LARGE', message, false, options);
  }
}

/** The broker could not route a message to any queue (e.g. AMQP `mandatory` return). Not retriable. */
export class UnroutableError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('UNROUTABLE', message, false, options);
  }
}

/** An operation did not complete in time. Retriable. */
export class TimeoutError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('TIMEOUT', message, true, options);
  }
}

/** The adapter or broker does not offer what was asked. Not retriable. */
export class UnsupportedError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('UNSUPPORTED', message, false, options);
  }
}

/** Message content that cannot be processed (bad JSON for a transform, expression error). Not retriable. */
export class DataError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('DATA_INVALID', message, false, options);
  }
}

/** Any other broker-reported error; set `retriable` from what the broker says. */
export class BrokerError extends PolybusError {
  constructor(message: string, options?: PolybusErrorOptions) {
    super('BROKER_ERROR', message, true, options);
  }
}

/** True when `error` is a {@link PolybusError} (also across package copies, by shape). */
export function isPolybusError(error: unknown): error is PolybusError {
  return (
    error instanceof PolybusError ||
    (error instanceof Error &&
      typeof (error as Partial<PolybusError>).code === 'string' &&
      typeof (error as Partial<PolybusError>).retriable === 'boolean')
  );
}

/**
 * Wraps any thrown value into a {@link PolybusError}: a PolybusError is returned as it is, anything else
 * becomes a {@link BrokerError} (retriable unless told otherwise) with the original as `cause`.
 */
export function toPolybusError(error: unknown, context: string, retriable = true): PolybusError {
  if (isPolybusError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new BrokerError(`${context}: ${redactText(text)}`, { cause: error, retriable });
}
