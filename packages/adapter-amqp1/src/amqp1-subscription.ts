import type {
  Address,
  CloseOptions,
  DeliveryHandler,
  DeliverySource,
  Logger,
  Subscription,
} from '@polybus/core';
import { DeliveryTracker, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { EventContext, Receiver, ReceiverOptions, Delivery as RheaDelivery } from 'rhea';
import { type Amqp1Address, routingCapability } from './amqp1-address.js';
import type { Amqp1Connection } from './amqp1-connection.js';
import { fromAmqp1Error } from './amqp1-errors.js';
import { creditToAdd } from './credit.js';
import { bodyBytes, fromAmqp1Fields } from './header-mapping.js';

/** Settings of one subscription. */
export interface Amqp1SubscriptionInit {
  readonly connection: Amqp1Connection;
  readonly address: Amqp1Address;
  /** The address as the caller gave it (for `Delivery.source`). */
  readonly rawAddress: Address;
  /** Group (durable shared subscription) or undefined (temporary subscription / plain queue consumer). */
  readonly group: string | undefined;
  /** Link name: the subscription name (plus a member suffix) for a group; random otherwise. */
  readonly linkName: string | undefined;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly closeTimeoutMs: number;
  readonly logger: Logger;
  readonly onClosed: (subscription: Amqp1Subscription) => void;
}

/**
 * One receiving link. Credit is issued by hand (never more than `maxInFlight` minus the unsettled
 * deliveries), so the broker never sends more than the handler may hold. Settles: ack = `accepted`,
 * nack = `modified` with delivery-failed (the broker counts the attempt and redelivers), nack without
 * requeue = `rejected` (Artemis: to the dead-letter address). A delivery received on a connection
 * that has since been lost settles as a no-op: the broker gives it again (rhea re-attaches the link
 * after a reconnect).
 *
 * With a group on a topic the link is a durable shared subscription (source capabilities `topic`,
 * `shared`, `global`, durability unsettled-state, expiry never): on close the link is *detached*,
 * never closed, so the subscription and what waits in it stay for the group's other members and its
 * next start. Without a group the subscription is temporary (closed on close, the broker drops it).
 */
export class Amqp1Subscription implements Subscription {
  readonly #init: Amqp1SubscriptionInit;
  readonly #tracker: DeliveryTracker;
  readonly #lifecycle: SubscriptionLifecycle;
  readonly #unsettled = new Set<RheaDelivery>();
  readonly #source: DeliverySource;
  #receiver: Receiver | undefined;
  #unlisten: (() => void) | undefined;

  constructor(init: Amqp1SubscriptionInit) {
    this.#init = init;
    this.#source =
      init.group === undefined
        ? { address: init.rawAddress }
        : { address: init.rawAddress, group: init.group };
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, address: init.address.name },
          'amqp1: handler failed, message nacked',
        ),
      onReleased: () => this.#topUp(),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => this.#unlisten?.(),
      release: () => this.#release(),
      onReleaseError: (error) =>
        init.logger.debug({ err: error }, 'amqp1: error while releasing a subscription'),
    });
    void this.#lifecycle.closed.then(() => init.onClosed(this));
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** Resolves when the subscription ended (close, or the fatal error that ended it). */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Attaches the receiving link and grants the first credit. Rejects with a PolybusError. */
  async start(): Promise<void> {
    const { address, group, linkName, connection } = this.#init;
    const durable = group !== undefined && address.kind === 'topic';
    const capabilities = durable ? ['topic', 'shared', 'global'] : [routingCapability(address)];
    const options: ReceiverOptions = {
      source: {
        address: address.name,
        capabilities,
        durable: durable ? 2 : 0,
        expiry_policy: durable ? 'never' : 'link-detach',
      },
      credit_window: 0,
      autoaccept: false,
    };
    if (linkName !== undefined) options.name = linkName;
    const receiver = await connection.openReceiver(options);
    this.#receiver = receiver;
    receiver.on('message', (context: EventContext) => this.#onMessage(context));
    // rhea re-attaches the link after a reconnect with zero credit: grant it again
    receiver.on('receiver_open', () => this.#topUp());
    receiver.on('receiver_error', (context: EventContext) => {
      const error = fromAmqp1Error(
        context.receiver?.error,
        'attach',
        `amqp1: the broker detached the receiver of ${address.name}`,
      );
      this.#init.logger.warn(
        { err: error, address: address.name },
        'amqp1: subscription ended by the broker',
      );
      void this.#lifecycle.fail(error);
    });
    this.#unlisten = connection.listen({ onDisconnected: () => this.#unsettled.clear() });
    this.#topUp();
  }

  #topUp(): void {
    const receiver = this.#receiver;
    if (!receiver || this.#lifecycle.ending || !this.#init.connection.up) return;
    const add = creditToAdd(this.#init.maxInFlight, this.#tracker.inFlight, linkCredit(receiver));
    if (add > 0) receiver.add_credit(add);
  }

  #onMessage(context: EventContext): void {
    const delivery = context.delivery;
    const message = context.message;
    if (!delivery || !message) return;
    if (this.#lifecycle.ending) {
      // arrived after close began: hand it back untouched (released does not count an attempt)
      delivery.release();
      return;
    }
    const epoch = this.#init.connection.epoch;
    this.#unsettled.add(delivery);
    const settle = (action: (d: RheaDelivery) => void): void => {
      if (this.#init.connection.epoch !== epoch || !this.#unsettled.delete(delivery)) return;
      action(delivery);
    };
    const deliveryCount = typeof message.delivery_count === 'number' ? message.delivery_count : 0;
    this.#tracker.dispatch(this.#init.handler, {
      message: fromAmqp1Fields(message, bodyBytes(message.body)),
      attempt: deliveryCount + 1,
      source: deliveryCount > 0 ? { ...this.#source, redelivered: true } : this.#source,
      ack: () => settle((d) => d.accept()),
      nack: ({ requeue }) =>
        settle((d) =>
          requeue
            ? d.modified({ delivery_failed: true, undeliverable_here: false })
            : d.reject({ condition: 'polybus:rejected', description: 'nacked without requeue' }),
        ),
    });
  }

  /** See {@link Subscription.close}. Safe twice; never rejects. */
  close(options: CloseOptions = {}): Promise<void> {
    return this.#lifecycle.close({ timeoutMs: options.timeoutMs ?? this.#init.closeTimeoutMs });
  }

  /** Ends the subscription because its connection is gone for good. */
  fail(error: Error): Promise<void> {
    return this.#lifecycle.fail(error);
  }

  /**
   * Gives back what the handler did not settle in time (modified, delivery-failed: an attempt), then
   * detaches (group) or closes (temporary) the link and waits for the broker's answer.
   */
  async #release(): Promise<void> {
    const receiver = this.#receiver;
    if (!receiver) return;
    if (this.#init.connection.up) {
      for (const d of this.#unsettled) d.modified({ delivery_failed: true, undeliverable_here: false });
    }
    this.#unsettled.clear();
    if (!this.#init.connection.up || receiver.is_closed()) return;
    const durable = this.#init.group !== undefined && this.#init.address.kind === 'topic';
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      receiver.once('receiver_close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (durable) receiver.detach();
      else receiver.close();
    });
  }
}

/** The credit rhea counts on a receiving link (decremented per transfer; not in rhea's typings). */
function linkCredit(receiver: Receiver): number {
  const credit = (receiver as unknown as { credit?: unknown }).credit;
  return typeof credit === 'number' ? credit : 0;
}
