import { ClosedError } from '@polybus/core';

/** What a {@link ProducerSlot} needs of a producer (kafkajs `Producer` has it). */
export interface SlotProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Holds the one producer a transport publishes with, and replaces it after a send whose outcome is
 * unknown.
 *
 * Why: an idempotent kafkajs producer numbers its records per partition and takes the numbers back
 * when a request fails. When the broker did store that request (its answer was lost in a restart or a
 * timeout), the next request reuses the numbers: the broker then rejects every later request with
 * OUT_OF_ORDER_SEQUENCE_NUMBER, for good, or (when the reused numbers match the stored batch exactly)
 * answers "duplicate" and drops records it never stored. kafkajs does not recover from either; a new
 * producer does, since the broker gives it a new producer id and its numbering starts afresh. The cost
 * is at-least-once: what the old producer stored may be stored again.
 *
 * Not a pool: one producer at a time, created on demand.
 */
export class ProducerSlot<P extends SlotProducer> {
  readonly #create: () => P;
  #current: P | undefined;
  #ready: Promise<P> | undefined;
  #closed = false;
  #renewals = 0;

  /** `create` makes a new, unconnected producer; it is called on first use and after each renewal. */
  constructor(create: () => P) {
    this.#create = create;
  }

  /** How many times the producer was replaced (for logs and tests). */
  get renewals(): number {
    return this.#renewals;
  }

  /**
   * The connected current producer, connecting it first if needed; concurrent callers share one
   * connect. Rejects with the connect error (the next call tries again with a new producer), or with
   * ClosedError after {@link close}.
   */
  acquire(): Promise<P> {
    if (this.#closed) return Promise.reject(new ClosedError('kafka producer is closed'));
    if (this.#ready === undefined) {
      const producer = this.#create();
      this.#current = producer;
      const ready = producer.connect().then(
        () => producer,
        (error: unknown) => {
          if (this.#ready === ready) {
            this.#ready = undefined;
            this.#current = undefined;
          }
          void producer.disconnect().catch(() => undefined);
          throw error;
        },
      );
      this.#ready = ready;
    }
    return this.#ready;
  }

  /**
   * Retires `producer` after a send of unknown outcome: the next {@link acquire} gets a new one, and
   * `producer` is disconnected in the background (its other sends in flight fail and are retried by
   * their callers). Does nothing when `producer` was already replaced, so the failures of several
   * concurrent sends renew once. Does not block.
   */
  renew(producer: P): void {
    if (this.#closed || producer !== this.#current) return;
    this.#current = undefined;
    this.#ready = undefined;
    this.#renewals++;
    void producer.disconnect().catch(() => undefined);
  }

  /** Disconnects the current producer; later acquires reject with ClosedError. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    const ready = this.#ready;
    this.#ready = undefined;
    this.#current = undefined;
    if (ready === undefined) return;
    const producer = await ready.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
