import {
  type Address,
  AddressError,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConfigError,
  type DeliveryHandler,
  type HealthStatus,
  type LagReport,
  type LagReporter,
  type Logger,
  type Message,
  type PublishSettled,
  redactUrl,
  type StreamingPublisher,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  toPolybusError,
} from '@polybus/core';
import { resolveSubscribeOptions } from '@polybus/core/adapter-kit';
import { AddressMemo, groupQueueName, parseAmqpAddress } from './amqp-address.js';
import { AmqpConnection } from './amqp-connection.js';
import type { AmqpTransportOptions } from './amqp-options.js';
import { AmqpPublisher } from './amqp-publisher.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { fetchQueueLag } from './queue-lag.js';

/** What the AMQP adapter guarantees for string (topic) and `{ exchange }` addresses. */
export function amqpCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({
    persistent: true,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: true,
    replay: false,
    headers: true,
    maxMessageBytes,
  });
}

/**
 * RabbitMQ (AMQP 0-9-1) transport on amqplib: one connection that reconnects with backoff, one
 * confirm channel for publishing, one channel per subscription. See the package README for addresses,
 * header mapping and limits.
 */
export class AmqpTransport implements Transport, StreamingPublisher, LagReporter {
  readonly scheme: string;
  readonly capabilities: Capabilities;
  readonly #connection: AmqpConnection;
  readonly #publisher: AmqpPublisher;
  readonly #options: AmqpTransportOptions;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<AmqpSubscription>();
  /** The last publish address, parsed (a sink publishes to one address over and over). */
  readonly #publishTarget = new AddressMemo();
  #closing: Promise<void> | undefined;

  /** Creates an unconnected transport for `url` (`amqp://user:pass@host:5672/vhost` or `amqps://`). No I/O. */
  constructor(url: string, options: AmqpTransportOptions, logger: Logger) {
    let scheme: string;
    try {
      scheme = new URL(url).protocol.replace(/:$/, '');
    } catch {
      // No cause: the URL parser's error carries the whole input, password included.
      throw new ConfigError(
        `invalid amqp URL "${redactUrl(url)}": expected amqp://host:port/vhost, credentials as user:pass@ before the host (percent-encode / @ : in them)`,
      );
    }
    if (scheme !== 'amqp' && scheme !== 'amqps')
      throw new ConfigError(`not an amqp URL: scheme "${scheme}:"`);
    this.scheme = scheme;
    this.#options = options;
    this.#logger = logger;
    this.capabilities = amqpCapabilities(options.maxMessageBytes);
    this.#connection = new AmqpConnection(url, options, logger);
    this.#publisher = new AmqpPublisher(this.#connection, options, logger);
    this.#connection.listen({
      onDisconnected: () => {
        this.#publisher.reset();
        for (const s of this.#subscriptions) s.onDisconnected();
      },
      onConnected: () => {
        for (const s of this.#subscriptions) s.onConnected();
      },
    });
  }

  /**
   * `{ queue }` addresses are one shared queue: the group is ignored, so `consumerGroups` is false
   * for them. Throws AddressError for an invalid address.
   */
  capabilitiesFor(address: Address): Capabilities {
    const target = parseAmqpAddress(address);
    return target.kind === 'queue'
      ? Object.freeze({ ...this.capabilities, consumerGroups: false })
      : this.capabilities;
  }

  /**
   * Opens the connection, trying `connectAttempts` times; rejects with ConnectionError after that.
   * A no-op when connected; while reconnecting after a loss it resolves at once (operations wait).
   */
  async connect(): Promise<void> {
    if (this.#closing) throw new ClosedError('amqp transport is closed');
    await this.#connection.open();
  }

  /**
   * Publishes in order on the confirm channel; resolves once RabbitMQ confirmed every message (see
   * {@link AmqpPublisher.publish} for the errors). Waits up to `publishTimeoutMs` for a connection
   * during an outage. Rejects with ClosedError after `close()`.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closing) throw new ClosedError('amqp transport is closed');
    const target = this.#publishTarget.parse(address);
    await this.#ensureOpened();
    await this.#publisher.publish(target, messages);
  }

  /**
   * Publishes in order on the confirm channel and settles each message as RabbitMQ confirms it (see
   * core's `StreamingPublisher` and {@link AmqpPublisher.publishEach}); messages of successive calls
   * go out in call order. After `close()` every message is settled with ClosedError. Never throws.
   */
  publishEach(address: Address, messages: readonly Message[], settled: PublishSettled): void {
    const failAll = (error: unknown): void => {
      for (let i = 0; i < messages.length; i++) settled(i, error);
    };
    if (this.#closing) {
      failAll(new ClosedError('amqp transport is closed'));
      return;
    }
    let target: ReturnType<typeof parseAmqpAddress>;
    try {
      target = this.#publishTarget.parse(address);
    } catch (error) {
      failAll(error);
      return;
    }
    // Not opened yet (or down): start opening; the writes wait for the connection in call order.
    const state = this.#connection.state;
    if (state === 'idle' || state === 'down') void this.#connection.open().catch(() => undefined);
    this.#publisher.publishEach(target, messages, settled);
  }

  /**
   * Starts a consumer on its own channel; resolves once the consumer is registered (its queue bound),
   * so everything published afterwards reaches it or its group. `{ queue }` addresses ignore `group`.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closing) throw new ClosedError('amqp transport is closed');
    const target = parseAmqpAddress(address);
    const { maxInFlight } = resolveSubscribeOptions(options, {
      adapter: 'amqp',
      replay: false,
      maxInFlightLimit: 65_535,
      maxInFlightMeans: 'AMQP prefetch',
    });
    await this.#ensureOpened();
    const subscription = new AmqpSubscription(this.#connection, {
      address,
      target,
      group: target.kind === 'queue' ? undefined : options.group,
      maxInFlight,
      handler,
      options: this.#options,
      logger: this.#logger,
      onClosed: (s) => this.#subscriptions.delete(s),
    });
    this.#subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.#subscriptions.delete(subscription);
      await subscription.close({ timeoutMs: 0 });
      throw error;
    }
    return subscription;
  }

  /**
   * The depth of the queue a group consumes: `<exchange>.<group>` for a string or `{ exchange }`
   * address, the queue itself for `{ queue }` (group ignored). Ready messages only: RabbitMQ's
   * passive declare does not count delivered-but-unacked ones, so `inFlight` is undefined (see
   * {@link fetchQueueLag}). One passive declare on a throwaway channel. Rejects with AddressError
   * for an exchange address without a group, ClosedError after close, ConnectionError when down.
   */
  async lag(address: Address, group?: string): Promise<LagReport> {
    if (this.#closing) throw new ClosedError('amqp transport is closed');
    const target = parseAmqpAddress(address);
    let queue: string;
    if (target.kind === 'queue') queue = target.queue;
    else if (group === undefined)
      throw new AddressError(
        `amqp lag of exchange "${target.exchange}" needs a group (its queue is <exchange>.<group>)`,
      );
    else queue = groupQueueName(target.exchange, group);
    const connection = await this.#connection.whenUp(this.#options.publishTimeoutMs);
    try {
      return await fetchQueueLag(connection, queue);
    } catch (error) {
      throw toPolybusError(error, `amqp: depth of queue "${queue}"`);
    }
  }

  async #ensureOpened(): Promise<void> {
    const state = this.#connection.state;
    if (state === 'idle' || state === 'down') await this.#connection.open();
  }

  /** `up`, `connecting` (first connect or reconnect in progress), `down` (connect failed), `closed`. */
  health(): HealthStatus {
    const state = this.#connection.state;
    const detail = this.#connection.detail;
    switch (state) {
      case 'idle':
        return { state: 'down', detail: 'not connected yet' };
      case 'up':
      case 'closed':
        return { state };
      default:
        return detail === undefined ? { state } : { state, detail };
    }
  }

  /**
   * Closes every subscription (draining up to `timeoutMs`), the publish channel and the connection.
   * Safe to call twice: later calls return the first call's promise. Never rejects.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
      await this.#publisher.close();
      await this.#connection.close();
    })();
    return this.#closing;
  }
}
