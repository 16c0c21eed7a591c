import {
  type Address,
  type CloseOptions,
  type DeliveryHandler,
  type Logger,
  type Message,
  newMessageId,
  type Subscription,
} from '@polybus/core';
import { AtMostOnceBuffer, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from 'nats';
import { fromNatsHeaders } from './nats-headers.js';

/** Settings of one core NATS subscription. */
export interface CoreSubscriptionInit {
  readonly nc: NatsConnection;
  readonly subject: string;
  readonly address: Address;
  /** Queue group; undefined for a plain subscription. */
  readonly group: string | undefined;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  /** Messages waiting for a handler slot beyond which the oldest is dropped. */
  readonly maxPending: number;
  readonly logger: Logger;
  readonly onClosed: (sub: CoreSubscription) => void;
}

/** Turns a received core NATS message into a polybus {@link Message}. */
export function coreMessageOf(msg: Msg): Message {
  const incoming = fromNatsHeaders(msg.headers ?? [], {
    id: newMessageId,
    timestamp: Date.now(),
    ...(msg.reply ? { reply: msg.reply } : {}),
  });
  const headers = Object.freeze({ ...incoming.headers });
  return Object.freeze(
    incoming.key === undefined
      ? { id: incoming.id, body: msg.data, headers, timestamp: incoming.timestamp }
      : { id: incoming.id, body: msg.data, headers, key: incoming.key, timestamp: incoming.timestamp },
  );
}

/**
 * A core NATS subscription (at-most-once): a plain subscription, or a queue group when a group is
 * given (members of one queue group share the messages). The server pushes; messages wait in a local
 * queue (bounded by `maxPending`, oldest dropped) until the {@link DeliveryTracker} has a free slot,
 * so at most `maxInFlight` deliveries are unsettled. Ack and nack do nothing: core NATS keeps nothing.
 */
export class CoreSubscription implements Subscription {
  readonly #init: CoreSubscriptionInit;
  readonly #buffer: AtMostOnceBuffer<Msg>;
  #sub: NatsSubscription | undefined;
  readonly #lifecycle: SubscriptionLifecycle;

  constructor(init: CoreSubscriptionInit) {
    this.#init = init;
    this.#buffer = new AtMostOnceBuffer<Msg>({
      maxInFlight: init.maxInFlight,
      capacity: init.maxPending,
      handler: init.handler,
      toDelivery: (msg) => ({
        message: coreMessageOf(msg),
        source: {
          address: init.address,
          subject: msg.subject,
          ...(init.group === undefined ? {} : { group: init.group }),
        },
      }),
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, subject: init.subject },
          'nats: handler failed',
        ),
      onOverflow: (dropped) =>
        init.logger.warn(
          { subject: init.subject, dropped },
          'nats: core subscription overflow, dropping oldest',
        ),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#buffer.tracker, {
      stopIntake: () => {
        this.#unsubscribe();
        this.#buffer.clear();
      },
      release: () => init.onClosed(this),
    });
  }

  /** Resolves when the subscription ended (by close, or with the error that ended it). */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#buffer.tracker.inFlight;
  }

  /** Subscribes and waits until the server registered the interest (a flush round trip). */
  async start(): Promise<void> {
    const { nc, subject, group } = this.#init;
    this.#sub = nc.subscribe(subject, {
      ...(group === undefined ? {} : { queue: group }),
      callback: (error, msg) => {
        if (error) {
          this.#init.logger.error({ err: error, subject }, 'nats: core subscription failed');
          void this.fail(error);
          return;
        }
        this.#buffer.push(msg);
      },
    });
    await nc.flush();
  }

  /**
   * Unsubscribes (messages not yet handed to the handler are dropped: core NATS is at-most-once),
   * waits up to `timeoutMs` for in-flight deliveries to be settled, then resolves. Safe to call twice;
   * never rejects.
   */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  /**
   * Ends the subscription because its connection is gone for good: `closed` resolves with `error`.
   * Shares `close()`'s once: whichever comes first wins.
   */
  fail(error: Error): Promise<void> {
    return this.#lifecycle.fail(error);
  }

  #unsubscribe(): void {
    try {
      if (this.#sub && !this.#sub.isClosed()) this.#sub.unsubscribe();
    } catch {
      // the connection is already closed: nothing to release
    }
  }
}
