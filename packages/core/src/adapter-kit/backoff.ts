/** Exponential backoff with full jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. @defaultValue 100 */
  initialDelayMs?: number;
  /** Upper bound of a delay, in ms. @defaultValue 10000 */
  maxDelayMs?: number;
  /** Growth per attempt. @defaultValue 2 */
  factor?: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter). @defaultValue 0.5 */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (1-based): `initial * factor^(attempt-1)`, capped at `max`,
 * with the `jitter` fraction of it drawn at random. Pure but for `random` (injectable for tests).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
