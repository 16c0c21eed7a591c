import { backoffDelay, isPolybusError } from '@polybus/core';

/** How a failure is handled: `transport` is retried with backoff, `data` goes to the dead-letter at once. */
export type FailureKind = 'transport' | 'data';

/** Retry settings of a route (milliseconds). */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
}

const DATA_CODES = new Set([
  'DATA_INVALID',
  'MESSAGE_TOO_LARGE',
  'ADDRESS_INVALID',
  'UNROUTABLE',
  'UNSUPPORTED',
  'CONFIG_INVALID',
]);

/**
 * Classifies an error: codes that describe the message or its target (bad data, too large,
 * unroutable, invalid address) are `data`; everything else a broker or connection may recover from
 * is `transport` — a PolybusError with `retriable: true`, or any non-polybus error (unknown means
 * try again). A non-retriable error with any other code (e.g. `CLOSED`) is `transport` too: the
 * message is fine, the sink is not. Pure.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (isPolybusError(error) && DATA_CODES.has(error.code)) return 'data';
  return 'transport';
}

/**
 * What to do after failed attempt number `attempt` (1-based) of a transport error: wait `delayMs`
 * and try again, or give up (`undefined`) once `maxAttempts` attempts were made. Exponential with
 * jitter (core `backoffDelay`). Pure but for `random`.
 */
export function nextRetryDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return backoffDelay(
    attempt,
    { initialDelayMs: policy.initialDelay, maxDelayMs: policy.maxDelay, factor: 2, jitter: 0.5 },
    random,
  );
}
