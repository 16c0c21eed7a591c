/** A clock in milliseconds (monotonic in production: `performance.now`). */
export type Clock = () => number;

/**
 * A token bucket: `rate` tokens per second, holding at most `capacity`. {@link reserve} takes tokens
 * now and says how long the caller must wait before using them (the balance may go negative, so a
 * request larger than the capacity is served, later, rather than never). Pure given the clock.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.#tokens = capacity;
    this.#last = clock();
  }

  /** Takes `amount` tokens; returns the milliseconds to wait before they are covered (0: go now). */
  reserve(amount: number): number {
    const now = this.clock();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) * this.rate) / 1000);
    this.#last = now;
    this.#tokens -= amount;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.rate;
  }
}

/** Limits of {@link RateLimiter}: per second. */
export interface RateLimit {
  readonly messages: number;
  readonly bytes?: number | undefined;
}

/**
 * A route's throttle: a message bucket and an optional byte bucket, each holding one second's worth
 * (the largest burst). {@link delayFor} reserves one message of `bytes` and returns the wait in ms.
 * Waits add up: callers that all wait their returned delay get the configured rate overall.
 */
export class RateLimiter {
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket | undefined;

  constructor(limit: RateLimit, clock: Clock = () => performance.now()) {
    this.#messages = new TokenBucket(limit.messages, limit.messages, clock);
    this.#bytes = limit.bytes === undefined ? undefined : new TokenBucket(limit.bytes, limit.bytes, clock);
  }

  /** Reserves one message of `bytes` body bytes; returns how long to wait before taking it in (ms). */
  delayFor(bytes: number): number {
    const m = this.#messages.reserve(1);
    const b = this.#bytes?.reserve(bytes) ?? 0;
    return Math.max(m, b);
  }
}
