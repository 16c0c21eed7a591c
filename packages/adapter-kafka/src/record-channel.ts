/**
 * A bounded single-consumer channel from a push source (a kafkajs batch handler) to an async
 * iterator: `push` waits while `capacity` items are queued, so a reader that stops pulling stops the
 * fetches instead of filling memory. `end` and `fail` finish it; after `close` every push resolves at
 * once and drops its item.
 */
export class RecordChannel<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #space: Array<() => void> = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #error: unknown;
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Queues `item`; resolves once there is room (at once after `close`). */
  async push(item: T): Promise<void> {
    while (!this.#closed && this.#items.length >= this.#capacity)
      await new Promise<void>((resolve) => this.#space.push(resolve));
    if (this.#closed) return;
    this.#items.push(item);
    this.#notify();
  }

  /** No more items will come; the iterator ends after the queued ones. Safe twice. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** The iterator throws `error` after the queued items. The first end or failure wins. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#notify();
  }

  /** The reader is gone: drop what is queued and release every waiting `push`. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    this.#release();
  }

  /** The next item, or undefined once ended and empty; rejects with the failure given to `fail`. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#items.length > 0) {
        const item = this.#items.shift() as T;
        this.#release();
        return item;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return undefined;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #release(): void {
    const waiting = this.#space;
    this.#space = [];
    for (const resolve of waiting) resolve();
  }
}
