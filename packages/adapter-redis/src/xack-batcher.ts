/** Sends one `XACK <stream> <group> <id...>` for `ids` and resolves with Redis's reply. */
export type SendXack = (ids: readonly string[]) => Promise<unknown>;

/** Runs `flush` later, once (the default is `setImmediate`: after this turn's I/O callbacks). */
export type FlushScheduler = (flush: () => void) => void;

/** Most ids one XACK carries; more acks in one turn go out as several commands. */
export const MAX_XACK_IDS = 1_000;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Groups the acks of one stream + group made in the same event-loop turn into one XACK command, so
 * that N settled entries cost one command (one socket write, one reply) instead of N. Each
 * {@link ack} still resolves only once Redis replied to the XACK that carried its id, and rejects
 * with that command's error (every id of a failed command gets the same error: XACK fails as a whole,
 * e.g. NOGROUP). XACK of an id that is no longer pending counts nothing and is not an error, so
 * acknowledging ids together changes nothing for any one of them. Ids are sent in the order acked;
 * a batch that reaches {@link MAX_XACK_IDS} is sent at once. Not shared between streams or groups.
 */
export class XackBatcher {
  readonly #send: SendXack;
  readonly #schedule: FlushScheduler;
  readonly #maxIds: number;
  #ids: string[] = [];
  #waiters: Waiter[] = [];
  #scheduled = false;

  /**
   * @param send - issues the XACK (called with 1 to `maxIds` ids; never with none).
   * @param schedule - defers the flush of a partly filled batch; defaults to `setImmediate`.
   * @param maxIds - most ids per XACK; defaults to {@link MAX_XACK_IDS}.
   */
  constructor(
    send: SendXack,
    schedule: FlushScheduler = (flush) => setImmediate(flush),
    maxIds: number = MAX_XACK_IDS,
  ) {
    this.#send = send;
    this.#schedule = schedule;
    this.#maxIds = Math.max(1, maxIds);
  }

  /** Ids waiting for the next flush. */
  get queued(): number {
    return this.#ids.length;
  }

  /**
   * Queues `id` for the next XACK. Resolves once Redis replied to it, rejects with the command's
   * error. Never throws synchronously. Acking the same id twice sends it twice (harmless to Redis);
   * callers settle each entry once.
   */
  ack(id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#ids.push(id);
      this.#waiters.push({ resolve, reject });
      if (this.#ids.length >= this.#maxIds) {
        this.#flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        this.#schedule(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    if (this.#ids.length === 0) return;
    const ids = this.#ids;
    const waiters = this.#waiters;
    this.#ids = [];
    this.#waiters = [];
    let sent: Promise<unknown>;
    try {
      sent = this.#send(ids);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}
