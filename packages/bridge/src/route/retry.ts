import { type BackoffOptions, backoffDelay } from '@polybus/core/adapter-kit';

/** Retry settings of a route (milliseconds), as the config's `retry` holds them. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
}

/**
 * The one path from a route's retry config to backoff options: every delay a route waits (a publish
 * retry, a nack's redelivery delay, a resubscribe) is `backoffDelay(attempt, backoffOptions(retry))`.
 * Exponential (factor 2) with half the delay jittered. Pure.
 */
export function backoffOptions(policy: RetryPolicy): BackoffOptions {
  return { initialDelayMs: policy.initialDelay, maxDelayMs: policy.maxDelay, factor: 2, jitter: 0.5 };
}

/**
 * What to do after failed attempt number `attempt` (1-based) of a transport error: wait the returned
 * ms and try again, or give up (`undefined`) once `maxAttempts` attempts were made. Pure but for
 * `random`.
 */
export function nextRetryDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return backoffDelay(attempt, backoffOptions(policy), random);
}
