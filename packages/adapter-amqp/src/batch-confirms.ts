/**
 * Counts the confirms of one batch. {@link all} resolves once every expected confirm settled without
 * error and rejects with the first error as soon as it settles (later errors are ignored). Settling
 * more often than expected does nothing more.
 */
export class BatchConfirms {
  #pending = 0;
  #failure: unknown;
  #failed = false;
  #resolve: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  /** One more confirm to wait for. Call before handing the message to amqplib. */
  expect(): void {
    this.#pending++;
  }

  /** One confirm arrived: `error` undefined for success. */
  settle(error: unknown): void {
    this.#pending--;
    if (error !== undefined && !this.#failed) {
      this.#failed = true;
      this.#failure = error;
      this.#reject?.(error);
    } else if (this.#pending === 0 && !this.#failed) this.#resolve?.();
  }

  /** Waits for every confirm expected so far (call once, after the last {@link expect}). */
  all(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failure);
    if (this.#pending <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }
}
