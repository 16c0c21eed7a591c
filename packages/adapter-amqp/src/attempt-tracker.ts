/**
 * Counts deliveries per message id for one subscription, where the broker gives only a `redelivered`
 * flag (RabbitMQ classic queues). Bounded: it remembers at most `maxEntries` ids (least recently
 * seen are forgotten first), and nothing survives the process — a message redelivered to a new
 * process starts again at 2. Not shared between subscriptions. Pure (no I/O, no timers).
 */
export class AttemptTracker {
  readonly #maxEntries: number;
  readonly #counts = new Map<string, number>();

  /** `maxEntries` >= 1 bounds the memory used. */
  constructor(maxEntries = 10_000) {
    this.#maxEntries = Math.max(1, Math.floor(maxEntries));
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.#counts.size;
  }

  /**
   * The attempt number of a delivery, and records it. `deliveryCount` (the quorum queue
   * `x-delivery-count` header, failed deliveries before this one) wins when present: `count + 1`.
   * Otherwise: a first delivery (`redelivered` false) is 1; a redelivery is one more than the last
   * attempt seen for `id`, or 2 when this tracker has not seen it. Without an `id`: 1 or 2 from the flag.
   */
  attempt(id: string | undefined, redelivered: boolean, deliveryCount?: number): number {
    let attempt: number;
    if (deliveryCount !== undefined && Number.isInteger(deliveryCount) && deliveryCount >= 0) {
      attempt = deliveryCount + 1;
    } else if (!redelivered) attempt = 1;
    else attempt = Math.max(2, (id === undefined ? 0 : (this.#counts.get(id) ?? 1)) + 1);
    if (id !== undefined) {
      this.#counts.delete(id);
      this.#counts.set(id, attempt);
      if (this.#counts.size > this.#maxEntries) {
        const oldest = this.#counts.keys().next().value;
        if (oldest !== undefined) this.#counts.delete(oldest);
      }
    }
    return attempt;
  }

  /** Forgets `id` (after an ack or a drop: it will not come back). */
  forget(id: string): void {
    this.#counts.delete(id);
  }
}
