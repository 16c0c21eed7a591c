import {
  type Address,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  type DeliveryHandler,
  type HealthStatus,
  type Logger,
  type Message,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { resolveSubscribeOptions } from '@polybus/core/adapter-kit';
import { memberLinkName, parseAmqp1Address, subscriptionName } from './amqp1-address.js';
import { Amqp1Connection } from './amqp1-connection.js';
import type { Amqp1TransportOptions } from './amqp1-options.js';
import { Amqp1Publisher } from './amqp1-publisher.js';
import { Amqp1Subscription } from './amqp1-subscription.js';
import { parseAmqp1Url } from './amqp1-url.js';

/** What the adapter guarantees for topic addresses (a string or `{ topic }`). */
export function amqp1Capabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({
    persistent: true,
    consumerGroups: true,
    // a nack (modified) puts the message back while later ones of its key are already delivered,
    // and members of a group share a subscription without key affinity
    orderedPerKey: false,
    // AMQP 1.0 has no delayed redelivery; Artemis's redelivery-delay is a broker setting per address
    nackDelay: false,
    // a new durable subscription starts empty (Artemis keeps nothing for subscriptions not yet made)
    replay: false,
    headers: true,
    maxMessageBytes,
  });
}

/** Capabilities of a `{ queue }` address: one queue shared by every consumer, so no groups. */
export function amqp1QueueCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({ ...amqp1Capabilities(maxMessageBytes), consumerGroups: false });
}

/**
 * AMQP 1.0 transport on rhea (ActiveMQ Artemis and other AMQP 1.0 brokers): one connection that
 * reconnects by itself and re-attaches its links, one sending link per address, one receiving link
 * per subscription. See the package README for addresses, header mapping and limits.
 */
export class Amqp1Transport implements Transport {
  readonly scheme: string;
  readonly capabilities: Capabilities;
  readonly #queueCapabilities: Capabilities;
  readonly #logger: Logger;
  readonly #connection: Amqp1Connection;
  readonly #publisher: Amqp1Publisher;
  readonly #subscriptions = new Set<Amqp1Subscription>();
  /** Members per subscription name on this connection (link names must be unique per connection). */
  readonly #members = new Map<string, number>();
  #closing: Promise<void> | undefined;

  /** Creates an unconnected transport for `amqp1://user:pass@host:port` (or `amqps1://`). No I/O. */
  constructor(url: string, options: Amqp1TransportOptions, logger: Logger) {
    const endpoint = parseAmqp1Url(url);
    this.scheme = endpoint.tls ? 'amqps1' : 'amqp1';
    this.#logger = logger;
    this.capabilities = amqp1Capabilities(options.maxMessageBytes);
    this.#queueCapabilities = amqp1QueueCapabilities(options.maxMessageBytes);
    this.#connection = new Amqp1Connection(endpoint, options, logger);
    this.#publisher = new Amqp1Publisher(
      this.#connection,
      options.maxMessageBytes,
      options.publishTimeoutMs,
      logger,
    );
  }

  /** `{ queue }` addresses have no groups; everything else has {@link capabilities}. Pure. */
  capabilitiesFor(address: Address): Capabilities {
    return parseAmqp1Address(address).kind === 'queue' ? this.#queueCapabilities : this.capabilities;
  }

  /** Opens the connection (retrying up to `connectTimeoutMs`). No-op while connected. */
  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('amqp1 transport is closed'));
    return this.#connection.connect();
  }

  /** See {@link Transport.publish}: resolves once the broker accepted every message (durable). */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closing) throw new ClosedError('amqp1 transport is closed');
    const target = parseAmqp1Address(address);
    await this.#connection.connect();
    await this.#publisher.publish(target, messages);
  }

  /**
   * Subscribes. A topic with a group: the group's durable shared subscription `<topic>.<group>`
   * (created on first use; every group gets every message, members share). A topic without a group:
   * a temporary subscription. `{ queue }`: a consumer of that queue (the group is ignored).
   * `from: 'earliest'` is refused with a ConfigError (no replay).
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closing) throw new ClosedError('amqp1 transport is closed');
    const target = parseAmqp1Address(address);
    const { maxInFlight } = resolveSubscribeOptions(options, {
      adapter: 'amqp1',
      replay: false,
      maxInFlightLimit: 65_535,
      maxInFlightMeans: 'link credit',
    });
    const group = target.kind === 'topic' ? options.group : undefined;
    let linkName: string | undefined;
    let name: string | undefined;
    if (group !== undefined) {
      name = subscriptionName(target.name, group);
      const member = (this.#members.get(name) ?? 0) + 1;
      this.#members.set(name, member);
      linkName = memberLinkName(name, member);
    }
    await this.#connection.connect();
    const subscription = new Amqp1Subscription({
      connection: this.#connection,
      address: target,
      rawAddress: address,
      group,
      linkName,
      handler,
      maxInFlight,
      closeTimeoutMs: 30_000,
      logger: this.#logger,
      onClosed: (s) => this.#subscriptions.delete(s),
    });
    this.#subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.#subscriptions.delete(subscription);
      await subscription.fail(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return subscription;
  }

  /** Connection health; cheap, never throws. */
  health(): HealthStatus {
    return this.#connection.health();
  }

  /** Closes every subscription (draining up to `timeoutMs`), then the connection. Safe twice. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
      await this.#connection.close();
    })();
    return this.#closing;
  }
}
