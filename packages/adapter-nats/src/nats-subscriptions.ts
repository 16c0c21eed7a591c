import {
  type Address,
  type CloseOptions,
  type ConnectionError,
  type DeliveryHandler,
  isPolybusError,
  type Logger,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core';
import { withDeadline } from '@polybus/core/adapter-kit';
import type { NatsConnection } from 'nats';
import { CoreSubscription } from './core-subscription.js';
import { JetStreamSubscription } from './jetstream-subscription.js';
import { type NatsAddress, parseNatsAddress } from './nats-address.js';
import { fromNatsError } from './nats-errors.js';
import type { NatsLink } from './nats-link.js';
import type { NatsTransportOptions } from './nats-options.js';
import type { StreamResolver } from './stream-resolver.js';

type NatsSubscription = CoreSubscription | JetStreamSubscription;

/** What {@link NatsSubscriptions} sets subscriptions up with. */
export interface NatsSubscriptionsInit {
  readonly link: NatsLink;
  readonly resolver: StreamResolver;
  readonly options: NatsTransportOptions;
  readonly logger: Logger;
}

/**
 * The live subscriptions of one transport: sets each up (core or JetStream, by address), forgets it
 * once it closed, and ends them all when the connection is gone or the transport closes.
 */
export class NatsSubscriptions {
  readonly #init: NatsSubscriptionsInit;
  readonly #live = new Set<NatsSubscription>();

  constructor(init: NatsSubscriptionsInit) {
    this.#init = init;
  }

  /**
   * Subscribes (see {@link SubscribeOptions}). JetStream: resolves once the group's durable consumer
   * (or the ephemeral one) exists, so every later message reaches it. Core: resolves once the server
   * registered the (queue) subscription, within `requestTimeoutMs`. A subscription whose set-up failed
   * is closed before the rejection. Rejects with AddressError, ClosedError (also when the transport
   * closed meanwhile), NotConnectedError, TimeoutError or another PolybusError.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const target = parseNatsAddress(address);
    const nc = this.#init.link.connection();
    const maxInFlight = options.maxInFlight ?? 16;
    return target.kind === 'core'
      ? this.#subscribeCore(nc, target, address, handler, options, maxInFlight)
      : this.#subscribeJetStream(nc, target, address, handler, options, maxInFlight);
  }

  async #subscribeCore(
    nc: NatsConnection,
    target: NatsAddress,
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions,
    maxInFlight: number,
  ): Promise<Subscription> {
    const { link, options: o, logger } = this.#init;
    const sub = new CoreSubscription({
      nc,
      subject: target.subject,
      address,
      group: options.group,
      handler,
      maxInFlight,
      maxPending: o.maxPendingCore,
      logger,
      onClosed: (s) => this.#live.delete(s),
    });
    this.#live.add(sub);
    try {
      await withDeadline(sub.start(), o.requestTimeoutMs, `subscribe to ${target.subject}`);
      link.connection();
    } catch (error) {
      await sub.close({ timeoutMs: 0 });
      throw isPolybusError(error) ? error : fromNatsError(error, `subscribe to ${target.subject}`);
    }
    return sub;
  }

  async #subscribeJetStream(
    nc: NatsConnection,
    target: NatsAddress & { kind: 'jetstream' },
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions,
    maxInFlight: number,
  ): Promise<Subscription> {
    const { link, resolver, options: o, logger } = this.#init;
    const stream = await resolver.resolve(target);
    const sub = new JetStreamSubscription({
      nc,
      js: link.jetStream(),
      jsm: await link.manager(),
      resolveStream: (fresh) => {
        if (fresh) resolver.forget(target);
        return resolver.resolve(target);
      },
      stream,
      subject: target.subject,
      address,
      group: options.group,
      from: options.from ?? 'latest',
      handler,
      maxInFlight,
      options: o,
      logger,
      onClosed: (s) => this.#live.delete(s),
    });
    this.#live.add(sub);
    try {
      link.connection(); // closed meanwhile?
      await sub.start();
      link.connection();
    } catch (error) {
      await sub.close({ timeoutMs: 0 });
      throw isPolybusError(error) ? error : fromNatsError(error, `subscribe to ${target.subject}`);
    }
    return sub;
  }

  /** Ends every live subscription with `error` (their `closed` resolves with it); returns at once. */
  failAll(error: ConnectionError): void {
    for (const sub of [...this.#live]) void sub.fail(error);
  }

  /** Closes every live subscription as `Subscription.close(options)` does; resolves when all closed. */
  async closeAll(options: CloseOptions): Promise<void> {
    await Promise.all([...this.#live].map((s) => s.close(options)));
  }
}
