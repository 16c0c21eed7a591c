import type { DeliverySource, Message, NackOptions } from '@polybus/core';
import type { DeliveryInit } from '@polybus/core/adapter-kit';

/** What every {@link RecordDelivery} of one subscription settles through (one object per subscription). */
export interface RecordSettler<R> {
  /** The record was acked; `generation` is the consumer-group generation it was delivered in. */
  acked(record: R, generation: number): void;
  /** The record was nacked with `delayMs` (defaults already applied by the DeliveryTracker). */
  nacked(record: R, generation: number, delayMs: number): void;
}

/**
 * The {@link DeliveryInit} of one received Kafka record: the message, its attempt and source, and
 * `ack`/`nack` as prototype methods that forward to the subscription's {@link RecordSettler} with the
 * record and the generation it was delivered in. One object per record instead of a literal plus two
 * closures (and their context). The DeliveryTracker calls `ack`/`nack` at most once, as methods.
 * Does no I/O itself.
 */
export class RecordDelivery<R> implements DeliveryInit {
  readonly message: Message;
  readonly attempt: number;
  readonly source: DeliverySource;
  readonly #settler: RecordSettler<R>;
  readonly #record: R;
  readonly #generation: number;

  constructor(
    settler: RecordSettler<R>,
    record: R,
    generation: number,
    message: Message,
    attempt: number,
    source: DeliverySource,
  ) {
    this.message = message;
    this.attempt = attempt;
    this.source = source;
    this.#settler = settler;
    this.#record = record;
    this.#generation = generation;
  }

  /** Forwards to {@link RecordSettler.acked}. */
  ack(): void {
    this.#settler.acked(this.#record, this.#generation);
  }

  /** Forwards to {@link RecordSettler.nacked} with the delay. */
  nack(options: Required<NackOptions>): void {
    this.#settler.nacked(this.#record, this.#generation, options.delayMs);
  }
}
