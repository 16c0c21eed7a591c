import { backoffDelay } from '@polybus/core/adapter-kit';

/** Settings of a {@link RestartBackoff}. */
export interface RestartBackoffOptions {
  /** Delay before the first restart after a healthy run. @defaultValue 500 */
  readonly initialDelayMs?: number;
  /** Upper bound of a delay. @defaultValue 30000 */
  readonly maxDelayMs?: number;
  /** A worker that ran at least this long counts as healthy: the next crash starts over. @defaultValue 30000 */
  readonly healthyAfterMs?: number;
}

/**
 * When to restart one worker slot after its process ended: the first crash after a healthy run
 * waits `initialDelayMs`, each further crash in a row doubles it (to `maxDelayMs`); a run of at least
 * `healthyAfterMs` resets the row. No jitter: workers of one supervisor crash for different reasons
 * and at different times. Pure state, no timers: the caller schedules the restart.
 */
export class RestartBackoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #healthyAfter: number;
  #crashesInARow = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.#initial = options.initialDelayMs ?? 500;
    this.#max = options.maxDelayMs ?? 30_000;
    this.#healthyAfter = options.healthyAfterMs ?? 30_000;
  }

  /** Records a crash of a process that ran `uptimeMs` and returns the delay before its restart, in ms. */
  crashed(uptimeMs: number): number {
    this.#crashesInARow = uptimeMs >= this.#healthyAfter ? 1 : this.#crashesInARow + 1;
    return backoffDelay(
      this.#crashesInARow,
      { initialDelayMs: this.#initial, maxDelayMs: this.#max, factor: 2, jitter: 0 },
      () => 0,
    );
  }

  /** Crashes in a row so far (0 before the first). */
  get crashesInARow(): number {
    return this.#crashesInARow;
  }
}
