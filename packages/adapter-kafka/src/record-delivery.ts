import type { DeliveryInit, DeliverySource, Message, NackOptions } from '@polybus/core';

/** What every {@link RecordDelivery} of one subscription settles through (one object per subscription). */
export interface RecordSettler<R> {
  /** The record was acked; `epoch` is the assignment generation it was delivered in. */
  acked(record: R, epoch: number): void;
  /** The record was nacked with `delayMs` (defaults already applied by the DeliveryTracker). */
  nacked(record: R, epoch: number, delayMs: number): void;
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
  readonly #epoch: number;

  constructor(
    settler: RecordSettler<R>,
    record: R,
    epoch: number,
    message: Message,
    attempt: number,
    source: DeliverySource,
  ) {
    this.message = message;
    this.attempt = attempt;
    this.source = source;
    this.#settler = settler;
    this.#record = record;
    this.#epoch = epoch;
  }

  /** Forwards to {@link RecordSettler.acked}. */
  ack(): void {
    this.#settler.acked(this.#record, this.#epoch);
  }

  /** Forwards to {@link RecordSettler.nacked} with the delay. */
  nack(options: Required<NackOptions>): void {
    this.#settler.nacked(this.#record, this.#epoch, options.delayMs);
  }
}
