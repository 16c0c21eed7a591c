import {
  AddressError,
  BrokerError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  type PolybusError,
  PublishError,
  redactText,
  UnsupportedError,
} from '@polybus/core';

/** An AMQP 1.0 error as rhea hands it over (a detach/close/rejected error, or a rhea error object). */
export interface Amqp1ErrorLike {
  readonly condition?: unknown;
  readonly description?: unknown;
}

/** The `condition` of an AMQP error or rhea error, if it has one. Pure. */
export function conditionOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const condition = (error as Amqp1ErrorLike).condition;
  return typeof condition === 'string' ? condition : condition === undefined ? undefined : String(condition);
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const d = (error as Amqp1ErrorLike).description ?? (error as { message?: unknown }).message;
    if (typeof d === 'string' && d !== '') return redactText(d);
  }
  return typeof error === 'string' ? redactText(error) : 'no description';
}

/**
 * Maps an AMQP 1.0 error condition to the polybus hierarchy, by what it means for the operation:
 * - `amqp:not-found`, `amqp:not-allowed`, `amqp:invalid-field` on an address → {@link AddressError};
 * - `amqp:link:message-size-exceeded` → {@link MessageTooLargeError};
 * - `amqp:decode-error` → {@link DataError} (the broker cannot read the message);
 * - `amqp:unauthorized-access` → not retriable ({@link ConnectionError} when connecting, else
 *   {@link PublishError} / {@link BrokerError});
 * - `amqp:not-implemented` → {@link UnsupportedError};
 * - `amqp:resource-limit-exceeded`, `amqp:connection:forced`, `amqp:internal-error`, link/session
 *   detach and anything unknown → retriable ({@link ConnectionError} / {@link PublishError} /
 *   {@link BrokerError} by `operation`).
 * The message names the condition and the broker's description (credentials redacted). Pure.
 */
export function fromAmqp1Error(
  error: unknown,
  operation: 'connect' | 'publish' | 'attach' | 'settle',
  context: string,
): PolybusError {
  const condition = conditionOf(error);
  const text = `${context}: ${condition ?? 'error'}: ${describe(error)}`;
  const options = { cause: error, details: condition === undefined ? undefined : { condition } };
  switch (condition) {
    case 'amqp:not-found':
    case 'amqp:not-allowed':
    case 'amqp:invalid-field':
      if (operation === 'connect') return new ConnectionError(text, { ...options, retriable: false });
      return new AddressError(text, options);
    case 'amqp:link:message-size-exceeded':
      return new MessageTooLargeError(text, options);
    case 'amqp:decode-error':
      return operation === 'connect' ? new ConnectionError(text, options) : new DataError(text, options);
    case 'amqp:unauthorized-access':
      if (operation === 'connect') return new ConnectionError(text, { ...options, retriable: false });
      if (operation === 'publish') return new PublishError(text, { ...options, retriable: false });
      return new BrokerError(text, { ...options, retriable: false });
    case 'amqp:not-implemented':
      return new UnsupportedError(text, options);
    default:
      if (operation === 'connect') return new ConnectionError(text, options);
      if (operation === 'publish') return new PublishError(text, options);
      return new BrokerError(text, options);
  }
}
