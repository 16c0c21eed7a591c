/**
 * Counts deliveries of a message id within one subscription, because MQTT carries no delivery count:
 * only a DUP flag. The attempt is the number of times this subscription saw the id (at least 2 when
 * the broker set DUP). Bounded: the oldest ids are forgotten past `capacity`. Pure.
 */
export class AttemptCounter {
  readonly #capacity: number;
  readonly #seen = new Map<string, number>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records one more delivery of `id` and returns its attempt number (1-based). */
  next(id: string, dup: boolean): number {
    const previous = this.#seen.get(id) ?? 0;
    const attempt = Math.max(previous + 1, dup ? 2 : 1);
    this.#seen.delete(id);
    this.#seen.set(id, attempt);
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return attempt;
  }

  /** Forgets `id` (after it was acked for good). */
  forget(id: string): void {
    this.#seen.delete(id);
  }
}
