// Over 300 lines: the pull loop, consumer (re)creation after a server restart and the overflow of a re-pull
// share the consumer state; message mapping and lifecycle live in their own modules.
import {
  type Address,
  AddressError,
  type CloseOptions,
  type DeliveryHandler,
  type DeliverySource,
  isPolybusError,
  type Logger,
  type Subscription,
} from '@polybus/core';
import { backoffDelay, DeliveryTracker, delay, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  nanos,
} from 'nats';
import { jetStreamMessageOf } from './jetstream-message.js';
import { fromNatsError, isConsumerGone, JsErrCode, jsErrCode } from './nats-errors.js';
import { durableNameFor } from './nats-names.js';
import type { NatsTransportOptions } from './nats-options.js';
import { nextPullSize, pullLimit } from './pull-window.js';

/** Settings of one JetStream subscription. */
export interface JetStreamSubscriptionInit {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Resolves the stream again (re-creating it if allowed) after it vanished. */
  readonly resolveStream: (fresh: boolean) => Promise<string>;
  readonly stream: string;
  readonly subject: string;
  readonly address: Address;
  /** Consumer group (durable consumer); undefined for an ephemeral consumer. */
  readonly group: string | undefined;
  readonly from: 'latest' | 'earliest';
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly options: NatsTransportOptions;
  readonly logger: Logger;
  readonly onClosed: (sub: JetStreamSubscription) => void;
}

/**
 * A JetStream pull subscription. With a group it binds to the group's durable consumer (created on
 * first use: ack explicit, deliver new or all, filter = the subject), shared by every member of the
 * group in any process; without one it creates an ephemeral consumer deleted on close.
 *
 * One pull loop keeps the next messages coming while the current ones are with the handler: at most
 * `maxInFlight` deliveries are handed out at once, and up to `maxInFlight` more wait in this member for
 * a free slot (so at most `2 * maxInFlight` are unacked by it, fewer where `maxAckPending` is lower; see
 * {@link nextPullSize}). While a
 * message is unsettled the loop tells the server it is still being worked on (`+WPI`) every
 * `workingIntervalMs`. A lost consumer is
 * re-created from the first sequence not yet seen; connection loss is ridden out by nats.js reconnects
 * and fetches retried with backoff.
 */
export class JetStreamSubscription implements Subscription {
  readonly #init: JetStreamSubscriptionInit;
  readonly #tracker: DeliveryTracker;
  readonly #unsettled = new Set<JsMsg>();
  /** Messages pulled ahead of a free slot (see {@link nextPullSize}); dispatched first, in arrival order. */
  readonly #overflow: JsMsg[] = [];
  /** Wakes the pull loop waiting for room (a settlement, or close). */
  #roomChanged: (() => void) | undefined;
  /** Most unacked messages this member holds (see {@link pullLimit}). */
  readonly #pullLimit: number;
  readonly #abort = new AbortController();
  readonly #startedAt = new Date();
  #stream: string;
  #consumerName: string | undefined;
  #consumer: Consumer | undefined;
  #fetch: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #working: NodeJS.Timeout | undefined;
  #lastSeq = 0;
  readonly #lifecycle: SubscriptionLifecycle;

  constructor(init: JetStreamSubscriptionInit) {
    this.#init = init;
    this.#stream = init.stream;
    this.#pullLimit = pullLimit(init.maxInFlight, init.options.maxAckPending);
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, subject: init.subject },
          'nats: handler failed, message nacked',
        ),
      onReleased: () => {
        this.#drainOverflow();
        this.#wakePullLoop();
      },
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => this.#stopFetching(),
      release: () => this.#release(),
    });
  }

  /** Resolves when the subscription ended (by close, or with the error that ended it). */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** Name of the consumer in use (durable or server-assigned). */
  get consumerName(): string | undefined {
    return this.#consumerName;
  }

  /** Creates or binds the consumer, then starts the pull loop. Rejects with a PolybusError. */
  async start(): Promise<void> {
    await this.#ensureConsumer(false);
    const interval =
      this.#init.options.workingIntervalMs ?? Math.max(100, Math.floor(this.#init.options.ackWaitMs / 3));
    this.#working = setInterval(() => this.#keepWorking(), interval);
    this.#working.unref();
    this.#loop = this.#run();
  }

  #consumerConfig(recreate: boolean): Partial<ConsumerConfig> {
    const { options, group, subject } = this.#init;
    const config: Partial<ConsumerConfig> = {
      ack_policy: AckPolicy.Explicit,
      filter_subject: subject,
      ack_wait: nanos(options.ackWaitMs),
      max_deliver: options.maxDeliver,
      max_ack_pending: options.maxAckPending,
    };
    if (group !== undefined) config.durable_name = durableNameFor(group, subject);
    else config.inactive_threshold = nanos(options.ephemeralInactiveMs);
    if (!recreate) {
      config.deliver_policy = this.#init.from === 'earliest' ? DeliverPolicy.All : DeliverPolicy.New;
    } else if (this.#resumeSeq() > 0) {
      config.deliver_policy = DeliverPolicy.StartSequence;
      config.opt_start_seq = this.#resumeSeq();
    } else if (this.#init.from === 'earliest') {
      config.deliver_policy = DeliverPolicy.All;
    } else {
      config.deliver_policy = DeliverPolicy.StartTime;
      config.opt_start_time = this.#startedAt.toISOString();
    }
    return config;
  }

  /** First stream sequence not known to be handled: the oldest unsettled one, else the one after the last seen. */
  #resumeSeq(): number {
    let seq = this.#lastSeq > 0 ? this.#lastSeq + 1 : 0;
    for (const m of this.#unsettled) seq = Math.min(seq, m.seq);
    return seq;
  }

  async #ensureConsumer(recreate: boolean): Promise<void> {
    const { jsm, group, subject } = this.#init;
    if (recreate) this.#stream = await this.#init.resolveStream(true);
    const config = this.#consumerConfig(recreate);
    try {
      if (group !== undefined) {
        const durable = config.durable_name as string;
        try {
          await jsm.consumers.info(this.#stream, durable);
          this.#consumerName = durable;
          return;
        } catch (error) {
          if (jsErrCode(error) !== JsErrCode.consumerNotFound) throw error;
        }
      }
      const info = await jsm.consumers.add(this.#stream, config);
      this.#consumerName = info.name;
      this.#init.logger.debug(
        { stream: this.#stream, consumer: info.name, subject, recreate },
        'nats: JetStream consumer ready',
      );
    } catch (error) {
      if (group !== undefined && jsErrCode(error) !== undefined && !recreate) {
        // A concurrent member may have created the durable first: bind to it.
        try {
          await jsm.consumers.info(this.#stream, config.durable_name as string);
          this.#consumerName = config.durable_name as string;
          return;
        } catch {
          // fall through to the original error
        }
      }
      throw isPolybusError(error)
        ? error
        : fromNatsError(error, `creating consumer on stream ${this.#stream}`);
    }
  }

  async #run(): Promise<void> {
    const { js, nc, options, logger } = this.#init;
    let failures = 0;
    while (!this.#tracker.stopping) {
      this.#drainOverflow();
      const held = this.#tracker.inFlight + this.#overflow.length;
      const batch = nextPullSize(this.#tracker.maxInFlight, held, this.#pullLimit);
      if (batch <= 0) {
        await new Promise<void>((resolve) => {
          this.#roomChanged = resolve;
        });
        continue;
      }
      try {
        this.#consumer ??= await js.consumers.get(this.#stream, this.#consumerName as string);
        const consumer = this.#consumer;
        if (this.#tracker.stopping) break;
        const messages = await consumer.fetch({ max_messages: batch, expires: options.fetchExpiresMs });
        this.#fetch = messages;
        for await (const m of messages) this.#onMessage(m);
        failures = 0;
      } catch (error) {
        if (this.#tracker.stopping || nc.isClosed()) break;
        this.#consumer = undefined;
        failures++;
        if (isConsumerGone(error)) {
          logger.warn(
            { err: error, stream: this.#stream, consumer: this.#consumerName },
            'nats: consumer lost, re-creating',
          );
          try {
            await this.#ensureConsumer(true);
            continue;
          } catch (recreateError) {
            if (recreateError instanceof AddressError) {
              logger.error(
                { err: recreateError, subject: this.#init.subject },
                'nats: stream is gone, subscription ends',
              );
              void this.fail(recreateError);
              break;
            }
            logger.warn({ err: recreateError }, 'nats: re-creating the consumer failed, will retry');
          }
        } else {
          logger.debug({ err: error, stream: this.#stream }, 'nats: fetch failed, will retry');
        }
        await delay(backoffDelay(failures, { initialDelayMs: 100, maxDelayMs: 2_000 }), this.#abort.signal);
      } finally {
        this.#fetch = undefined;
      }
    }
  }

  #onMessage(m: JsMsg): void {
    if (this.#tracker.stopping) {
      // Arrived after close began: hand it straight back.
      this.#settle(() => m.nak());
      return;
    }
    this.#lastSeq = Math.max(this.#lastSeq, m.info.streamSequence);
    this.#unsettled.add(m);
    if (this.#overflow.length === 0 && this.#tracker.freeSlots > 0) this.#dispatch(m);
    else this.#overflow.push(m); // keeps the maxInFlight bound; +WPI keeps it alive meanwhile
  }

  #drainOverflow(): void {
    while (this.#overflow.length > 0 && this.#tracker.freeSlots > 0) this.#dispatch(this.#overflow.shift()!);
  }

  /** Lets the pull loop re-check its room (after a settlement, or to see that it is stopping). */
  #wakePullLoop(): void {
    const wake = this.#roomChanged;
    this.#roomChanged = undefined;
    wake?.();
  }

  #dispatch(m: JsMsg): void {
    const { info } = m;
    const { group, address, options } = this.#init;
    const subject = m.subject;
    const offset = String(info.streamSequence);
    // One of two literals, not a spread of a temporary object into one, per message.
    const source: DeliverySource =
      group === undefined
        ? { address, subject, streamId: info.stream, offset, redelivered: info.redelivered }
        : { address, group, subject, streamId: info.stream, offset, redelivered: info.redelivered };
    this.#tracker.dispatch(this.#init.handler, {
      message: jetStreamMessageOf(m),
      attempt: info.redeliveryCount,
      source,
      ack: () => {
        this.#unsettled.delete(m);
        if (options.confirmAcks) return this.#confirmedAck(m);
        m.ack();
      },
      nack: ({ requeue, delayMs }) => {
        this.#unsettled.delete(m);
        if (!requeue) m.term();
        else if (delayMs > 0) m.nak(delayMs);
        else m.nak();
      },
    });
  }

  /** Acks `m` and waits for the server's confirmation (`confirmAcks`); rejects with a PolybusError. */
  async #confirmedAck(m: JsMsg): Promise<void> {
    try {
      await m.ackAck({ timeout: this.#init.options.requestTimeoutMs });
    } catch (error) {
      throw fromNatsError(error, `ack of stream ${m.info.stream} sequence ${m.info.streamSequence}`);
    }
  }

  #keepWorking(): void {
    for (const m of this.#unsettled) this.#settle(() => m.working());
  }

  #settle(op: () => void): void {
    try {
      op();
    } catch (error) {
      this.#init.logger.debug({ err: error }, 'nats: could not send an ack-protocol message');
    }
  }

  /**
   * Stops fetching, waits up to `timeoutMs` for in-flight deliveries to be settled, then hands the
   * rest back with a nak (the server redelivers them at once, to this group's other members), and
   * deletes an ephemeral consumer. Safe to call twice; never rejects.
   */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  /**
   * Ends the subscription because its connection is gone for good: `closed` resolves with `error`;
   * unsettled deliveries are left for the server to redeliver. Shares `close()`'s once.
   */
  fail(error: Error): Promise<void> {
    return this.#lifecycle.fail(error);
  }

  #stopFetching(): void {
    this.#abort.abort();
    this.#wakePullLoop();
    try {
      this.#fetch?.stop();
    } catch {
      // already stopped
    }
  }

  async #release(): Promise<void> {
    clearInterval(this.#working);
    for (const m of this.#unsettled) this.#settle(() => m.nak());
    this.#unsettled.clear();
    this.#overflow.length = 0;
    // The loop ends at its next step; a JetStream API call in flight is not waited for beyond 1 s.
    if (this.#loop) await Promise.race([this.#loop.catch(() => undefined), delay(1_000)]);
    if (this.#init.group === undefined && this.#consumerName !== undefined && !this.#init.nc.isClosed()) {
      // A delete racing an ack write can fail on nats-server 2.9 ("directory not empty"): try a few times;
      // the server removes it after `ephemeralInactiveMs` anyway.
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await this.#init.jsm.consumers.delete(this.#stream, this.#consumerName);
          break;
        } catch (error) {
          if (jsErrCode(error) === JsErrCode.consumerNotFound || attempt === 3) {
            this.#init.logger.debug(
              { err: error, consumer: this.#consumerName },
              'nats: ephemeral consumer not deleted',
            );
            break;
          }
          await delay(50 * attempt);
        }
      }
    }
    this.#init.onClosed(this);
  }
}
