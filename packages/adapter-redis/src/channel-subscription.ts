import type { Address, CloseOptions, DeliveryHandler, Logger, Message, Subscription } from '@polybus/core';
import { AtMostOnceBuffer, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { Redis } from 'ioredis';
import { decodeEnvelope } from './channel-envelope.js';
import { closeRedis, connectRedis, createRedis, uniqueSuffix } from './redis-connection.js';
import type { RedisTransportOptions } from './redis-options.js';

/** Everything a {@link ChannelSubscription} needs from its transport. */
export interface ChannelSubscriptionInit {
  readonly url: string;
  readonly options: RedisTransportOptions;
  readonly logger: Logger;
  readonly address: Address;
  readonly channel: string;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly onClosed: (subscription: ChannelSubscription) => void;
}

/**
 * A Redis Pub/Sub subscriber on its own connection (`<prefix>:sub:<id>`): at-most-once. Messages
 * arriving while `maxInFlight` deliveries are unsettled wait in a local buffer of
 * `channelBufferSize` (the oldest are dropped beyond it); ack and nack do nothing. ioredis
 * re-subscribes after a reconnect; what was published while disconnected is lost.
 */
export class ChannelSubscription implements Subscription {
  readonly #init: ChannelSubscriptionInit;
  readonly #conn: Redis;
  readonly #buffer: AtMostOnceBuffer<Message>;
  readonly #lifecycle: SubscriptionLifecycle;

  private constructor(init: ChannelSubscriptionInit) {
    this.#init = init;
    this.#conn = createRedis(init.url, init.options, 'sub', uniqueSuffix());
    this.#conn.on('error', () => undefined);
    this.#buffer = new AtMostOnceBuffer<Message>({
      maxInFlight: init.maxInFlight,
      capacity: init.options.channelBufferSize,
      handler: init.handler,
      toDelivery: (message) => ({ message, source: { address: init.address, subject: init.channel } }),
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, channel: init.channel },
          'redis: handler failed',
        ),
      onOverflow: (dropped) =>
        init.logger.warn(
          { channel: init.channel, dropped },
          'redis: channel subscriber too slow; dropping the oldest buffered messages',
        ),
    });
    this.#conn.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.#receive(channel, payload));
    this.#lifecycle = new SubscriptionLifecycle(this.#buffer.tracker, {
      stopIntake: () => this.#buffer.clear(),
      release: async () => {
        await closeRedis(this.#conn);
        init.onClosed(this);
      },
    });
  }

  /** Resolves (with `undefined`) once {@link close} finished. */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Connects and SUBSCRIBEs; resolves once Redis confirmed the subscription. */
  static async open(init: ChannelSubscriptionInit): Promise<ChannelSubscription> {
    const subscription = new ChannelSubscription(init);
    try {
      await connectRedis(subscription.#conn, init.url);
      await subscription.#conn.subscribe(init.channel);
    } catch (error) {
      subscription.#conn.disconnect();
      throw error;
    }
    return subscription;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#buffer.tracker.inFlight;
  }

  /**
   * Drops buffered, undelivered messages at once, waits up to `timeoutMs` (default 30000) for
   * in-flight deliveries to be settled, then unsubscribes and disconnects. Safe to call twice; never
   * rejects.
   */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  #receive(channel: Buffer, payload: Buffer): void {
    if (this.#lifecycle.ending || channel.toString('utf8') !== this.#init.channel) return;
    this.#buffer.push(decodeEnvelope(payload));
  }
}
