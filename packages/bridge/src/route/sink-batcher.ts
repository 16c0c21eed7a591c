import type { Address, Message, Transport } from '@polybus/core';

/**
 * Collects the messages published to one sink within one tick and sends them in one
 * `transport.publish` call (up to `maxBatch`). Each caller's promise settles with the batch outcome.
 * When a batch fails with a non-retriable error and holds several messages, each message is
 * published again on its own so one bad message cannot fail the others.
 */
export class SinkBatcher {
  #queue: Array<{ message: Message; resolve: () => void; reject: (error: unknown) => void }> = [];
  #scheduled = false;

  constructor(
    private readonly transport: Transport,
    private readonly address: Address,
    private readonly maxBatch = 500,
  ) {}

  /** Publishes `message` (batched); resolves when the broker confirmed it. Safe to call concurrently. */
  publish(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      if (this.#queue.length >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      void this.#send(batch);
    }
  }

  async #send(
    batch: Array<{ message: Message; resolve: () => void; reject: (error: unknown) => void }>,
  ): Promise<void> {
    try {
      await this.transport.publish(
        this.address,
        batch.map((b) => b.message),
      );
      for (const b of batch) b.resolve();
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable !== false;
      if (batch.length === 1 || retriable) {
        for (const b of batch) b.reject(error);
        return;
      }
      await Promise.all(
        batch.map((b) => this.transport.publish(this.address, [b.message]).then(b.resolve, b.reject)),
      );
    }
  }
}
