import type { Address, DeliveryHandler, Logger, Subscription } from '@polybus/core';
import { backoffDelay, DeliveryTracker, delay, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { MessageView } from 'rocketmq-client-nodejs';
import { LeaseBook } from './lease-book.js';
import { queuePosition } from './queue-position.js';
import type { ReceivingConsumer } from './rocketmq-consumer.js';
import { fromRocketmqError } from './rocketmq-errors.js';
import { fromMessageView } from './rocketmq-message.js';

/** What a {@link RocketmqSubscription} needs besides its consumer. */
export interface RocketmqSubscriptionInit {
  readonly consumer: ReceivingConsumer;
  readonly address: Address;
  /** The group as the caller named it (absent for a private subscription). */
  readonly group: string | undefined;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly invisibleDurationMs: number;
  readonly receiveBatch: number;
  readonly logger: Logger;
  /** Told once, after the subscription ended and its consumer was shut down. */
  readonly onEnd: (subscription: RocketmqSubscription) => void;
  /** Told whether each receive call reached the proxy (`false` with the failure). */
  readonly onReceive?: (ok: boolean, error?: Error) => void;
}

/**
 * One RocketMQ "simple consumer" subscription: a loop of long-polling receive calls, each asking for
 * no more messages than the tracker has free slots; every message is invisible to the rest of its
 * group while its handler holds it (renewed before it runs out), `ack()` acks it, `nack({ delayMs })`
 * makes it visible again after `delayMs` (the broker counts the redelivery), `nack({ requeue: false })`
 * moves it to the group's dead-letter topic `%DLQ%<group>`. On close, messages still
 * unsettled after the drain are made visible again at once, then the consumer is shut down.
 */
export class RocketmqSubscription implements Subscription {
  readonly #init: RocketmqSubscriptionInit;
  readonly #tracker: DeliveryTracker;
  readonly #lifecycle: SubscriptionLifecycle;
  readonly #leases: LeaseBook<MessageView>;
  readonly #renewTimer: NodeJS.Timeout;
  readonly #stop = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #firstReceive: Promise<void>;
  #markFirstReceive!: () => void;
  /** Serialises the calls about one message (renewal, then settle: each changes its receipt handle). */
  readonly #chains = new WeakMap<MessageView, Promise<unknown>>();

  constructor(init: RocketmqSubscriptionInit) {
    this.#init = init;
    this.#leases = new LeaseBook(init.invisibleDurationMs);
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error) =>
        init.logger.debug({ err: String(error) }, 'rocketmq handler failed; the message is nacked'),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => this.#stop.abort(),
      release: () => this.#release(),
      onReleaseError: (error) =>
        init.logger.debug({ err: String(error) }, 'rocketmq subscription release failed'),
    });
    this.#firstReceive = new Promise((resolve) => {
      this.#markFirstReceive = resolve;
    });
    this.#renewTimer = setInterval(() => this.#renewDue(), Math.max(1_000, init.invisibleDurationMs / 6));
    this.#renewTimer.unref();
  }

  /** Starts the receive loop. Resolves once the first receive call returned or `settleMs` passed. */
  async start(settleMs: number): Promise<void> {
    this.#loop = this.#run();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#firstReceive,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, settleMs);
      }),
    ]);
    clearTimeout(timer);
  }

  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** See {@link Subscription.close}. Safe to call twice; never rejects. */
  close(options?: { timeoutMs?: number }): Promise<void> {
    return this.#lifecycle.close(options);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#lifecycle.ending) {
      if (!(await this.#tracker.waitForSlot())) return;
      const want = Math.min(this.#tracker.freeSlots, this.#init.receiveBatch);
      if (want < 1) continue;
      let views: MessageView[];
      try {
        views = await this.#init.consumer.receive(want, this.#init.invisibleDurationMs);
        failures = 0;
        this.#init.onReceive?.(true);
      } catch (error) {
        this.#markFirstReceive();
        if (this.#lifecycle.ending) return;
        failures++;
        const wait = backoffDelay(failures, { initialDelayMs: 200, maxDelayMs: 5_000 });
        const mapped = fromRocketmqError(error, 'receive');
        this.#init.onReceive?.(false, mapped);
        this.#init.logger.warn({ err: mapped.message, retryInMs: wait }, 'rocketmq receive failed; retrying');
        await delay(wait, this.#stop.signal);
        continue;
      }
      this.#markFirstReceive();
      for (const view of views) {
        if (this.#lifecycle.ending) this.#giveBack(view);
        else this.#dispatch(view);
      }
    }
  }

  #dispatch(view: MessageView): void {
    this.#leases.add(view, Date.now());
    const attempt = view.deliveryAttempt ?? 1;
    const { address, group, consumer } = this.#init;
    const { queueId, offset } = queuePosition(view.receiptHandle, view.offset);
    this.#tracker.dispatch(this.#init.handler, {
      message: fromMessageView(view),
      attempt,
      source: {
        address,
        ...(group === undefined ? {} : { group }),
        ...(queueId === undefined ? {} : { partition: queueId }),
        ...(offset === undefined ? {} : { offset }),
        ...(view.tag === undefined ? {} : { subject: view.tag }),
        redelivered: attempt > 1,
      },
      ack: () => this.#settle(view, 'ack', () => consumer.ack(view)),
      nack: ({ requeue, delayMs }) =>
        requeue
          ? this.#settle(view, 'nack', () =>
              consumer.changeInvisibleDuration(view, Math.max(0, Math.round(delayMs))),
            )
          : this.#settle(view, 'dead-letter', () => consumer.forwardToDeadLetter(view)),
    });
  }

  /** Runs a settle after any renewal of the same message; maps its failure to a PolybusError. */
  async #settle(view: MessageView, what: string, call: () => Promise<void>): Promise<void> {
    this.#leases.remove(view);
    try {
      await this.#after(view, call);
    } catch (error) {
      throw fromRocketmqError(error, `${what} failed`);
    }
  }

  #after(view: MessageView, call: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(view) ?? Promise.resolve();
    const next = previous.then(call, call);
    this.#chains.set(
      view,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Extends the invisibility of messages whose handlers still hold them. */
  #renewDue(): void {
    for (const view of this.#leases.due(Date.now())) {
      this.#after(view, () =>
        this.#init.consumer.changeInvisibleDuration(view, this.#init.invisibleDurationMs),
      ).catch((error: unknown) =>
        this.#init.logger.debug(
          { err: fromRocketmqError(error, 'renew').message },
          'rocketmq lease renewal failed; the message may be redelivered',
        ),
      );
    }
  }

  /** Makes a message this subscription will not handle visible to its group again, now. */
  #giveBack(view: MessageView): Promise<void> {
    return this.#after(view, () => this.#init.consumer.changeInvisibleDuration(view, 0)).catch(
      (error: unknown) =>
        this.#init.logger.debug(
          { err: fromRocketmqError(error, 'give back').message },
          'rocketmq give-back failed; the message is redelivered when its invisibility ends',
        ),
    );
  }

  async #release(): Promise<void> {
    clearInterval(this.#renewTimer);
    // the loop ends once an outstanding long poll returns (what it brought is given back)
    await this.#loop;
    await Promise.all(this.#leases.takeAll().map((view) => this.#giveBack(view)));
    try {
      await this.#init.consumer.shutdown();
    } finally {
      this.#init.onEnd(this);
    }
  }
}
