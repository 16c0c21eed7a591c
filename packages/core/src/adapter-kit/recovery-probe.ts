import { type BackoffOptions, backoffDelay, delay } from './backoff.js';

/** What a {@link RecoveryProbe} needs. */
export interface RecoveryProbeOptions {
  /** One cheap request to the broker: resolves when it answers, rejects while it does not. */
  readonly check: () => Promise<void>;
  /** Called once per probe, after the first check that resolved. */
  readonly onRecovered: () => void;
  /** Wait before each check. @defaultValue `{ initialDelayMs: 200, maxDelayMs: 5000 }` */
  readonly backoff?: BackoffOptions;
  /** Aborting ends a running probe at its next wait without calling `onRecovered` (the transport closed). */
  readonly signal?: AbortSignal;
}

/**
 * Brings a transport's health back to `up` by itself after it reported `connecting`: checks the broker
 * in the background, with backoff, until a check succeeds. Needed where a driver reconnects only when a
 * request is made: the bridge waits for `up` before it publishes to a `connecting` sink, so without a
 * probe a sink-only transport would stay `connecting` for ever after an outage.
 */
export class RecoveryProbe {
  readonly #options: RecoveryProbeOptions;
  #running: Promise<void> | undefined;

  constructor(options: RecoveryProbeOptions) {
    this.#options = options;
  }

  /** Whether a probe is running. */
  get running(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Starts a probe unless one is running (then does nothing). Returns at once; the promise it gives
   * settles when this probe ended (recovered or aborted) and never rejects.
   */
  start(): Promise<void> {
    this.#running ??= this.#probe();
    return this.#running;
  }

  async #probe(): Promise<void> {
    const { check, onRecovered, signal } = this.#options;
    const backoff = this.#options.backoff ?? { initialDelayMs: 200, maxDelayMs: 5_000 };
    try {
      for (let attempt = 1; !signal?.aborted; attempt++) {
        await delay(backoffDelay(attempt, backoff), signal);
        if (signal?.aborted) return;
        const ok = await check().then(
          () => true,
          () => false,
        );
        if (ok && !signal?.aborted) {
          // Cleared before the callback, so a loss reported from inside it starts a new probe.
          this.#running = undefined;
          onRecovered();
          return;
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}
