import {
  type Address,
  isStreamingPublisher,
  type Message,
  type StreamingPublisher,
  type Transport,
} from '@polybus/core';
import { sendIsolatingMessageFaults } from '@polybus/core/adapter-kit';

interface Pending {
  readonly message: Message;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the messages published to one sink and sends them together (up to `maxBatch` per call).
 * Each caller's promise settles with its own message's outcome.
 *
 * - A transport that settles messages one by one ({@link StreamingPublisher}, e.g. RabbitMQ) gets
 *   what was published before the current microtasks ran out (the messages of one socket read) in one
 *   `publishEach` call at once, and each caller's promise settles with that message's own confirm:
 *   nothing waits for the next event-loop turn nor for the slowest confirm of its batch.
 * - Any other transport gets what was published within one event-loop turn in one `publish` call
 *   (one produce request on Kafka). A failed batch is split as core's `sendIsolatingMessageFaults`
 *   splits it: on a message fault each message is sent again on its own, in order, so one bad message
 *   fails only itself; on a transport failure every message of the batch fails with that error.
 *
 * Either way messages reach the transport in `publish` call order, batches in order.
 */
export class SinkBatcher {
  readonly #streaming: StreamingPublisher | undefined;
  #queue: Pending[] = [];
  #scheduled = false;
  readonly #flush = (): void => this.#flushNow();

  constructor(
    private readonly transport: Transport,
    private readonly address: Address,
    private readonly maxBatch = 500,
  ) {
    this.#streaming = isStreamingPublisher(transport) ? transport : undefined;
  }

  /** Publishes `message` (batched); resolves when the broker confirmed it. Safe to call concurrently. */
  publish(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      if (this.#queue.length >= this.maxBatch) this.#flushNow();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        if (this.#streaming !== undefined) queueMicrotask(this.#flush);
        else setImmediate(this.#flush);
      }
    });
  }

  #flushNow(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      if (this.#streaming !== undefined) this.#sendEach(this.#streaming, batch);
      else void this.#send(batch);
    }
  }

  #sendEach(streaming: StreamingPublisher, batch: readonly Pending[]): void {
    streaming.publishEach(
      this.address,
      batch.map((b) => b.message),
      (index, error) => {
        const pending = batch[index] as Pending;
        if (error === undefined) pending.resolve();
        else pending.reject(error);
      },
    );
  }

  async #send(batch: readonly Pending[]): Promise<void> {
    const outcomes = await sendIsolatingMessageFaults(batch, (items) =>
      this.transport.publish(
        this.address,
        items.map((b) => b.message),
      ),
    );
    outcomes.forEach((outcome, i) => {
      const pending = batch[i] as Pending;
      if (outcome.ok) pending.resolve();
      else pending.reject(outcome.error);
    });
  }
}
