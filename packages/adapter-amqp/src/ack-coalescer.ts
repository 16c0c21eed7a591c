/** Where an {@link AckCoalescer} sends its acks: one channel's `basic.ack`. */
export type SendAck = (deliveryTag: number, multiple: boolean) => void;

/**
 * Turns the acks of one AMQP channel into as few `basic.ack` frames as the delivery order allows.
 *
 * RabbitMQ numbers a channel's deliveries 1, 2, 3... and `basic.ack` with `multiple` acknowledges
 * every outstanding delivery up to a tag. Handlers finish out of order, so an ack multiple may only
 * cover a run of tags that are all settled. The coalescer collects acks ({@link ack}) until the
 * caller flushes (the subscription: once the microtasks that settled them ran out), then {@link flush} sends one ack multiple for the settled run above the lowest
 * unsettled tag, and single acks for the settled tags beyond a gap, so no ack waits for a slower
 * message (the prefetch window would fill otherwise). Nacks are sent by the caller as they come and
 * reported with {@link settled}, so the run can pass over them.
 *
 * Pure bookkeeping: the caller schedules {@link flush} (once per burst of acks) and owns the channel; one
 * coalescer per channel, dropped with it (tags restart on a new channel). Tags never seen (messages
 * left unacked because the subscription was closing) stop the run: later acks go singly, which is
 * correct, only less compact.
 */
export class AckCoalescer {
  readonly #send: SendAck;
  /** Every tag below it is settled on the broker. */
  #floor = 1;
  /** Acked by a handler, not yet sent. */
  readonly #pending = new Set<number>();
  /** At or above the floor and already settled on the broker (single ack or nack). */
  readonly #settled = new Set<number>();

  constructor(send: SendAck) {
    this.#send = send;
  }

  /** Acks waiting for {@link flush}. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Records the ack of `deliveryTag`; sent by the next {@link flush}. A second ack of a tag is ignored. */
  ack(deliveryTag: number): void {
    if (deliveryTag >= this.#floor && !this.#settled.has(deliveryTag)) this.#pending.add(deliveryTag);
  }

  /** Records that the caller settled `deliveryTag` itself (a nack), so an ack run may pass over it. */
  settled(deliveryTag: number): void {
    if (deliveryTag >= this.#floor) this.#settled.add(deliveryTag);
  }

  /** Sends what {@link ack} collected: at most one ack multiple, then single acks beyond the first gap. */
  flush(): void {
    if (this.#pending.size === 0) return;
    let last = 0;
    for (;;) {
      const tag = this.#floor;
      if (this.#pending.delete(tag)) last = tag;
      else if (!this.#settled.delete(tag)) break;
      this.#floor = tag + 1;
    }
    if (last > 0) this.#send(last, true);
    for (const tag of this.#pending) {
      this.#send(tag, false);
      this.#settled.add(tag);
    }
    this.#pending.clear();
  }
}
