import { ConfigError } from '../errors.js';
import type { SubscribeOptions } from '../transport.js';

/** `maxInFlight` when a subscriber gives none. */
export const DEFAULT_MAX_IN_FLIGHT = 16;

/** What an adapter can honour of {@link SubscribeOptions}. */
export interface SubscribeLimits {
  /** Adapter name for error messages (`amqp`, `amqp1`). */
  readonly adapter: string;
  /** Whether `from: 'earliest'` can be honoured (the adapter's `capabilities.replay`). */
  readonly replay: boolean;
  /** Largest `maxInFlight` the protocol can express (AMQP prefetch and link credit: 65535). */
  readonly maxInFlightLimit?: number;
  /** What `maxInFlight` bounds on this broker, for the error message (`AMQP prefetch`). */
  readonly maxInFlightMeans?: string;
}

/** Subscribe options with defaults applied and checked. */
export interface ResolvedSubscribeOptions {
  readonly group: string | undefined;
  readonly maxInFlight: number;
  readonly from: 'latest' | 'earliest';
}

/**
 * Applies the defaults every adapter shares (`maxInFlight` 16, `from` latest) and checks `options`
 * against what the adapter can honour. Throws {@link ConfigError}: `from: 'earliest'` on an adapter
 * that cannot replay (so nothing silently starts at the wrong place), or `maxInFlight` that is not an
 * integer in 1..limit. Pure.
 */
export function resolveSubscribeOptions(
  options: SubscribeOptions,
  limits: SubscribeLimits,
): ResolvedSubscribeOptions {
  const from = options.from ?? 'latest';
  if (from === 'earliest' && !limits.replay) {
    throw new ConfigError(
      `${limits.adapter} subscriptions cannot replay: subscribe with from "latest" (capabilities.replay is false)`,
    );
  }
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const limit = limits.maxInFlightLimit ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > limit) {
    const range = limits.maxInFlightLimit === undefined ? '>= 1' : `1-${limits.maxInFlightLimit}`;
    const means = limits.maxInFlightMeans === undefined ? '' : ` (${limits.maxInFlightMeans})`;
    throw new ConfigError(`maxInFlight must be an integer ${range}${means}, got ${String(maxInFlight)}`);
  }
  return { group: options.group, maxInFlight, from };
}
