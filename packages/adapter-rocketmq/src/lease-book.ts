/**
 * The received-but-unsettled messages of one subscription and when their invisibility (the lease the
 * broker granted at receive) runs out. Pure bookkeeping: the subscription asks it which leases to
 * renew and which messages to give back on close; it does no I/O and keeps no timers.
 */
export class LeaseBook<T> {
  readonly #durationMs: number;
  readonly #leases = new Map<T, number>();

  /** `durationMs`: the invisible duration asked for at receive and at every renewal. */
  constructor(durationMs: number) {
    this.#durationMs = durationMs;
  }

  /** Unsettled messages held. */
  get size(): number {
    return this.#leases.size;
  }

  /** Records `item`, received at `now` (its lease ends `durationMs` later). */
  add(item: T, now: number): void {
    this.#leases.set(item, now + this.#durationMs);
  }

  /** Forgets `item` (settled). Returns false when it was not held (already settled or released). */
  remove(item: T): boolean {
    return this.#leases.delete(item);
  }

  /** True while `item` is held. */
  has(item: T): boolean {
    return this.#leases.has(item);
  }

  /**
   * The items whose lease ends within a third of the duration from `now`, their lease already extended
   * to `now + durationMs` (renew them at the broker; a failed renewal only risks a redelivery).
   */
  due(now: number): T[] {
    const due: T[] = [];
    const threshold = now + this.#durationMs / 3;
    for (const [item, end] of this.#leases) {
      if (end <= threshold) {
        due.push(item);
        this.#leases.set(item, now + this.#durationMs);
      }
    }
    return due;
  }

  /** Removes and returns every held item (to give them back to the broker). */
  takeAll(): T[] {
    const all = [...this.#leases.keys()];
    this.#leases.clear();
    return all;
  }
}
