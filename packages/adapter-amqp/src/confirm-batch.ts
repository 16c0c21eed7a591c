import type { PublishSettled } from '@polybus/core';

/**
 * The confirms of one publish call, message by message: each message is settled exactly once (a
 * confirm, a refusal, or the failure of everything still open), and {@link finished} turns true once
 * every message is. Later settles of a settled message (a confirm arriving after a timeout) do
 * nothing. Pure bookkeeping: the publisher calls it from amqplib's confirm callbacks.
 */
export class ConfirmBatch {
  readonly #settled: Uint8Array;
  readonly #onSettled: PublishSettled;
  readonly #onFinished: (() => void) | undefined;
  #open: number;

  /**
   * `size` messages; `onSettled(i, error)` runs once per message, `onFinished` once after the last
   * (at once for an empty batch).
   */
  constructor(size: number, onSettled: PublishSettled, onFinished?: () => void) {
    this.#settled = new Uint8Array(size);
    this.#open = size;
    this.#onSettled = onSettled;
    this.#onFinished = onFinished;
    if (size === 0) onFinished?.();
  }

  /** True once every message is settled: nothing of this batch should be sent any more. */
  get finished(): boolean {
    return this.#open === 0;
  }

  /** Message `index` is confirmed (`error` undefined) or refused; a second settle is ignored. */
  settle(index: number, error: unknown): void {
    if (this.#settled[index] !== 0) return;
    this.#settled[index] = 1;
    this.#open--;
    this.#onSettled(index, error);
    if (this.#open === 0) this.#onFinished?.();
  }

  /** Fails every message not settled yet with `error` (timeout, channel lost before sending). */
  failOpen(error: unknown): void {
    for (let i = 0; i < this.#settled.length && this.#open > 0; i++) this.settle(i, error);
  }
}
