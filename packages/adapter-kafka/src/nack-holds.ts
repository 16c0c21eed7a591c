/**
 * Records waiting out a nack delay. {@link hold} keeps a record for `waitMs` and then hands it to
 * `due` (the subscription puts it back in front of its key and schedules); {@link cancelAll} drops
 * every wait and returns the records so their keys can be released. Timers only; no I/O.
 */
export class NackHolds<T> {
  readonly #due: (item: T) => void;
  readonly #holds = new Map<NodeJS.Timeout, T>();

  /** `due` is called once per held item whose wait ended (never after {@link cancelAll} took it). */
  constructor(due: (item: T) => void) {
    this.#due = due;
  }

  /** Items waiting. */
  get size(): number {
    return this.#holds.size;
  }

  /** Hands `item` to `due` after `waitMs` (a timer, also for 0). */
  hold(item: T, waitMs: number): void {
    const timer = setTimeout(() => {
      this.#holds.delete(timer);
      this.#due(item);
    }, waitMs);
    this.#holds.set(timer, item);
  }

  /** Cancels every wait and returns the items that were waiting, in the order they were held. Safe twice. */
  cancelAll(): T[] {
    const items: T[] = [];
    for (const [timer, item] of this.#holds) {
      clearTimeout(timer);
      items.push(item);
    }
    this.#holds.clear();
    return items;
  }
}
