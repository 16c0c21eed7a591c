import type { CloseOptions } from '../transport.js';
import type { DeliveryTracker } from './delivery-tracker.js';

/** Default time `close()` waits for in-flight deliveries, in ms. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/** How a subscription ended, as its {@link SubscriptionEndHooks.release} hook sees it. */
export interface SubscriptionEnd {
  /** `undefined` after `close()`; the fatal error after `fail()`. */
  readonly error: Error | undefined;
  /** True when every in-flight delivery was settled before the release (always false after `fail()`). */
  readonly drained: boolean;
}

/** What a subscription class does at each step of its end; every hook runs at most once. */
export interface SubscriptionEndHooks {
  /**
   * Stops taking new messages: abort a fetch loop, cancel a consumer, disconnect a blocking reader.
   * Runs synchronously right after intake was marked stopping. Optional.
   */
  stopIntake?(): void;
  /**
   * Runs after the drain (or right away after `fail()`), once the tracker abandoned what is left:
   * commit, close the channel, delete an ephemeral consumer, tell the transport. Errors it throws are
   * passed to `onReleaseError` and never reach the caller of `close()`.
   */
  release?(end: SubscriptionEnd): Promise<void> | void;
  /** Told about an error thrown by `release` (log it at debug). */
  onReleaseError?(error: unknown): void;
}

/**
 * The end of one subscription, written once for every adapter: the `closed` promise, close-once,
 * drain with a timeout, abandon, release, and a fatal end that shares the same once.
 *
 * `close()` stops intake, waits up to `timeoutMs` for the tracker's in-flight deliveries to be
 * settled, abandons the rest (their later settles do nothing: the broker redelivers them), runs
 * `release`, then resolves `closed` with `undefined`. `fail(error)` does the same without waiting and
 * resolves `closed` with `error`. Whichever comes first wins: every later `close()` or `fail()` returns
 * the first call's promise. Neither ever rejects.
 */
export class SubscriptionLifecycle {
  readonly #tracker: DeliveryTracker;
  readonly #hooks: SubscriptionEndHooks;
  #ending: Promise<void> | undefined;
  #resolveClosed!: (value: Error | undefined) => void;
  /** Resolves once the subscription ended: `undefined` after `close()`, the error after `fail()`. */
  readonly closed = new Promise<Error | undefined>((resolve) => {
    this.#resolveClosed = resolve;
  });

  constructor(tracker: DeliveryTracker, hooks: SubscriptionEndHooks = {}) {
    this.#tracker = tracker;
    this.#hooks = hooks;
  }

  /** True once `close()` or `fail()` was called: intake must stop. */
  get ending(): boolean {
    return this.#ending !== undefined;
  }

  /** See {@link SubscriptionLifecycle}. Safe to call twice; never rejects. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#ending ??= this.#end(undefined, options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.#ending;
  }

  /** Ends the subscription for good because of `error` (connection gone, queue deleted). Safe twice. */
  fail(error: Error): Promise<void> {
    this.#ending ??= this.#end(error, 0);
    return this.#ending;
  }

  async #end(error: Error | undefined, timeoutMs: number): Promise<void> {
    const draining = error === undefined ? this.#tracker.drain(timeoutMs) : undefined;
    if (error !== undefined) this.#tracker.abandon();
    try {
      this.#hooks.stopIntake?.();
    } catch (stopError) {
      this.#hooks.onReleaseError?.(stopError);
    }
    const drained = draining === undefined ? false : await draining;
    this.#tracker.abandon();
    try {
      await this.#hooks.release?.({ error, drained });
    } catch (releaseError) {
      this.#hooks.onReleaseError?.(releaseError);
    }
    this.#resolveClosed(error);
  }
}
