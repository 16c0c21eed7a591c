import { type ErrorCode, isPolybusError } from './errors.js';

/**
 * Whose fault a failure is. `message`: the message or where it is sent cannot work however often it is
 * tried (bad data, too large, unroutable, invalid address or options): dead-letter it. `transport`: the
 * broker or connection may recover (down, timeout, refused for now, closed while shutting down): keep
 * the message and try again later.
 */
export type FailureKind = 'message' | 'transport';

/** The error codes that describe the message or its target rather than the broker's state. */
const MESSAGE_FAULT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DATA_INVALID',
  'MESSAGE_TOO_LARGE',
  'ADDRESS_INVALID',
  'UNROUTABLE',
  'UNSUPPORTED',
  'CONFIG_INVALID',
]);

/**
 * The one classification every polybus package uses (the bridge's retry and dead-letter policy, its
 * sink batcher, adapters that split a failed batch). Decided by the error `code` alone, never by
 * `retriable`: a {@link ClosedError} is not retriable on its instance, yet the message is fine, so it is
 * a `transport` failure. Anything that is not a PolybusError is `transport` (unknown means try again).
 * Pure; never throws.
 */
export function failureKind(error: unknown): FailureKind {
  return isPolybusError(error) && MESSAGE_FAULT_CODES.has(error.code) ? 'message' : 'transport';
}

/** True when `error` is the message's fault (see {@link failureKind}): dead-letter, do not retry. */
export function isMessageFault(error: unknown): boolean {
  return failureKind(error) === 'message';
}
