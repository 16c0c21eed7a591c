import type { Delivery } from '../transport.js';

/**
 * Gathers deliveries and lets a test await a count without sleeping: {@link waitFor} resolves on the
 * delivery that reaches the count, or rejects after a timeout with what was seen so far.
 */
export class Collector {
  readonly deliveries: Delivery[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Records a delivery and wakes waiters whose count is reached. */
  push(delivery: Delivery): void {
    this.deliveries.push(delivery);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.deliveries.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  get count(): number {
    return this.deliveries.length;
  }

  /** Message ids received, in arrival order. */
  ids(): string[] {
    return this.deliveries.map((d) => d.message.id);
  }

  /** Resolves once at least `count` deliveries arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number, what = 'deliveries'): Promise<void> {
    if (this.deliveries.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} ${what}; got ${this.deliveries.length}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}

/** A promise with its resolve function, for tests that release handlers on cue. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let counter = 0;

/** A name no earlier run used: prefix, time, pid and a counter (letters, digits, dots and dashes). */
export function uniqueName(prefix = 'pb'): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}-${counter}`;
}
