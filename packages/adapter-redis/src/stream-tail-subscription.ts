import {
  type Address,
  type CloseOptions,
  type DeliveryHandler,
  type Logger,
  redactText,
  type Subscription,
} from '@polybus/core';
import {
  backoffDelay,
  DeliveryTracker,
  delay,
  SubscriptionLifecycle,
  withDeadline,
} from '@polybus/core/adapter-kit';
import type { Redis } from 'ioredis';
import { connectRedis, createRedis, errorText, uniqueSuffix } from './redis-connection.js';
import type { RedisTransportOptions } from './redis-options.js';
import { decodeEntry } from './stream-entry.js';
import { parseEntryList, parseReadReply } from './stream-reply.js';

/** Everything a {@link StreamTailSubscription} needs from its transport. */
export interface StreamTailSubscriptionInit {
  readonly url: string;
  readonly options: RedisTransportOptions;
  readonly logger: Logger;
  readonly cmd: Redis;
  readonly address: Address;
  readonly stream: string;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly from: 'latest' | 'earliest';
  readonly onClosed: (subscription: StreamTailSubscription) => void;
}

/**
 * A private, ephemeral reader of a stream (no group): XREAD BLOCK on its own connection
 * (`<prefix>:tail:<id>`), starting after the stream's last entry at subscribe time (or at its start for
 * `from: 'earliest'`). Nothing is kept in Redis for it, so ack and nack do nothing and a closed or
 * crashed reader simply stops reading. Read errors are retried with backoff from the last id seen.
 */
export class StreamTailSubscription implements Subscription {
  readonly #init: StreamTailSubscriptionInit;
  readonly #reader: Redis;
  readonly #tracker: DeliveryTracker;
  readonly #abort = new AbortController();
  #lastId = '0-0';
  #loop: Promise<void> = Promise.resolve();
  readonly #lifecycle: SubscriptionLifecycle;

  private constructor(init: StreamTailSubscriptionInit) {
    this.#init = init;
    this.#reader = createRedis(init.url, init.options, 'tail', uniqueSuffix());
    this.#reader.on('error', () => undefined);
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, stream: init.stream },
          'redis: handler failed',
        ),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => {
        this.#abort.abort();
        this.#reader.disconnect();
      },
      release: async () => {
        await withDeadline(this.#loop, 5_000, 'read loop stop').catch(() => undefined);
        init.onClosed(this);
      },
    });
  }

  /** Resolves (with `undefined`) once {@link close} finished. */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /**
   * Notes the stream's last entry id and starts reading after it; resolves once that id is known, so
   * every entry added afterwards is read. Rejects with a PolybusError when Redis cannot be reached.
   */
  static async open(init: StreamTailSubscriptionInit): Promise<StreamTailSubscription> {
    const subscription = new StreamTailSubscription(init);
    try {
      if (init.from === 'latest') {
        const last = parseEntryList(
          await init.cmd.callBuffer('XREVRANGE', init.stream, '+', '-', 'COUNT', 1),
        );
        subscription.#lastId = last[0]?.id ?? '0-0';
      }
      await connectRedis(subscription.#reader, init.url);
    } catch (error) {
      subscription.#reader.disconnect();
      throw error;
    }
    subscription.#loop = subscription.#run();
    return subscription;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /**
   * Stops reading at once and waits up to `timeoutMs` (default 30000) for in-flight deliveries to be
   * settled. Safe to call twice; never rejects.
   */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  async #run(): Promise<void> {
    const { stream, address, handler, logger, options } = this.#init;
    let failures = 0;
    while (!this.#lifecycle.ending) {
      if (!(await this.#tracker.waitForSlot()) || this.#lifecycle.ending) break;
      try {
        const reply = await withDeadline(
          this.#reader.callBuffer(
            'XREAD',
            'COUNT',
            this.#tracker.freeSlots,
            'BLOCK',
            options.blockMs,
            'STREAMS',
            stream,
            this.#lastId,
          ),
          options.blockMs + options.connectTimeoutMs,
          'XREAD',
        );
        if (this.#lifecycle.ending) break;
        for (const entry of parseReadReply(reply)) {
          this.#lastId = entry.id;
          if (entry.fields === null) continue;
          this.#tracker.dispatch(handler, {
            message: decodeEntry(entry.id, entry.fields),
            attempt: 1,
            source: { address, streamId: entry.id },
            ack: () => undefined,
            nack: () => undefined,
          });
        }
        failures = 0;
      } catch (error) {
        if (this.#lifecycle.ending) break;
        failures++;
        logger.warn(
          { stream, attempt: failures, err: redactText(errorText(error)) },
          'redis: stream read failed; retrying',
        );
        await delay(backoffDelay(failures, { initialDelayMs: 50, maxDelayMs: 1_000 }), this.#abort.signal);
      }
    }
  }
}
