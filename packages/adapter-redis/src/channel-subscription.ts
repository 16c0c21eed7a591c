import {
  type Address,
  type CloseOptions,
  type DeliveryHandler,
  DeliveryTracker,
  type Logger,
  type Message,
  once,
  type Subscription,
} from '@polybus/core';
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
  readonly #tracker: DeliveryTracker;
  readonly #buffer: Message[] = [];
  #dropped = 0;
  #stopping = false;
  #resolveClosed!: (value: Error | undefined) => void;
  /** Resolves (with `undefined`) once {@link close} finished. */
  readonly closed = new Promise<Error | undefined>((resolve) => {
    this.#resolveClosed = resolve;
  });

  private constructor(init: ChannelSubscriptionInit) {
    this.#init = init;
    this.#conn = createRedis(init.url, init.options, 'sub', uniqueSuffix());
    this.#conn.on('error', () => undefined);
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, channel: init.channel },
          'redis: handler failed',
        ),
      onReleased: () => this.#pump(),
    });
    this.#conn.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.#receive(channel, payload));
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
    return this.#tracker.inFlight;
  }

  /**
   * Unsubscribes at once (buffered, undelivered messages are dropped), then waits up to `timeoutMs`
   * (default 30000) for in-flight deliveries to be settled. Safe to call twice; never rejects.
   */
  readonly close = (options: CloseOptions = {}): Promise<void> => this.#close(options.timeoutMs ?? 30_000);

  readonly #close = once(async (timeoutMs: number): Promise<void> => {
    this.#stopping = true;
    this.#buffer.length = 0;
    await closeRedis(this.#conn);
    await this.#tracker.drain(timeoutMs);
    this.#tracker.abandon();
    this.#init.onClosed(this);
    this.#resolveClosed(undefined);
  });

  #receive(channel: Buffer, payload: Buffer): void {
    if (this.#stopping || channel.toString('utf8') !== this.#init.channel) return;
    this.#buffer.push(decodeEnvelope(payload));
    if (this.#buffer.length > this.#init.options.channelBufferSize) {
      this.#buffer.shift();
      if (this.#dropped++ % 1000 === 0) {
        this.#init.logger.warn(
          { channel: this.#init.channel, dropped: this.#dropped },
          'redis: channel subscriber too slow; dropping the oldest buffered messages',
        );
      }
    }
    this.#pump();
  }

  #pump(): void {
    const { handler, address } = this.#init;
    while (!this.#stopping && this.#tracker.freeSlots > 0 && this.#buffer.length > 0) {
      const message = this.#buffer.shift()!;
      this.#tracker.dispatch(handler, {
        message,
        attempt: 1,
        source: { address, subject: this.#init.channel },
        ack: () => undefined,
        nack: () => undefined,
      });
    }
  }
}
