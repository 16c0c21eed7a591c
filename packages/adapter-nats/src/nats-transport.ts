import {
  type Address,
  AddressError,
  type Capabilities,
  type CloseOptions,
  type DeliveryHandler,
  type HealthStatus,
  isPolybusError,
  type LagReport,
  type LagReporter,
  type Logger,
  type Message,
  type MessageReader,
  type ReadOptions,
  type ReadRecord,
  type Requester,
  type SubscribeOptions,
  type Subscription,
  TimeoutError,
  type Transport,
  UnroutableError,
} from '@polybus/core';
import { once } from '@polybus/core/adapter-kit';
import { publishCore } from './core-publish.js';
import { coreMessageOf } from './core-subscription.js';
import { fetchJetStreamLag } from './jetstream-lag.js';
import { JetStreamPublisher } from './jetstream-publisher.js';
import { readJetStream } from './jetstream-reader.js';
import { parseNatsAddress, parsePublishAddress } from './nats-address.js';
import { coreCapabilities, jetStreamCapabilities } from './nats-capabilities.js';
import { fromNatsError, isNoResponders } from './nats-errors.js';
import { NatsLink } from './nats-link.js';
import { durableNameFor } from './nats-names.js';
import type { NatsTransportOptions } from './nats-options.js';
import { outgoingMessages, wireHeaders } from './nats-outgoing.js';
import { NatsSubscriptions } from './nats-subscriptions.js';
import { parseNatsUrl } from './nats-url.js';
import { StreamResolver } from './stream-resolver.js';

/**
 * `nats://`: NATS JetStream (string subjects and `{ subject, stream? }`, persistent, durable pull
 * consumers per group) and core NATS (`{ subject, core: true }`, at-most-once, queue groups,
 * request/reply) over one nats.js connection. nats.js reconnects by itself (forever by default);
 * {@link health} follows its status events. The parts live in their own modules: the connection and
 * its health ({@link NatsLink}), JetStream publishing ({@link JetStreamPublisher}), core publishing
 * ({@link publishCore}), subscription set-up ({@link NatsSubscriptions}).
 */
export class NatsTransport implements Transport, Requester, LagReporter, MessageReader {
  readonly scheme = 'nats';
  readonly #options: NatsTransportOptions;
  readonly #link: NatsLink;
  readonly #resolver: StreamResolver;
  readonly #subscriptions: NatsSubscriptions;
  readonly #jetStream: JetStreamPublisher;

  /** Creates an unconnected transport; does no I/O. Throws ConfigError for a bad URL. */
  constructor(url: string, options: NatsTransportOptions, logger: Logger) {
    parseNatsUrl(url);
    this.#options = options;
    this.#link = new NatsLink(url, options, logger, (ended) => this.#subscriptions.failAll(ended));
    this.#resolver = new StreamResolver(
      () => this.#link.manager(),
      options.createStreams,
      options.stream,
      logger,
    );
    this.#subscriptions = new NatsSubscriptions({
      link: this.#link,
      resolver: this.#resolver,
      options,
      logger,
    });
    this.#jetStream = new JetStreamPublisher({
      jetStream: () => this.#link.jetStream(),
      resolver: this.#resolver,
      createStreams: options.createStreams,
      requestTimeoutMs: options.requestTimeoutMs,
    });
  }

  /** JetStream capabilities; `maxMessageBytes` follows the server's `max_payload` once connected. */
  get capabilities(): Capabilities {
    return jetStreamCapabilities(this.#link.maxPayload);
  }

  /** At-most-once capabilities for core addresses, JetStream ones otherwise. Throws AddressError. */
  capabilitiesFor(address: Address): Capabilities {
    return parseNatsAddress(address).kind === 'core'
      ? coreCapabilities(this.#link.maxPayload)
      : jetStreamCapabilities(this.#link.maxPayload);
  }

  /**
   * Connects (one attempt of `connectTimeoutMs` per server; rejects with ConnectionError when none
   * answers). A second call while connected or connecting returns the same promise's outcome.
   */
  connect(): Promise<void> {
    return this.#link.connect();
  }

  /**
   * JetStream: publishes every message at once (pipelined) with `Nats-Msg-Id` = message id and
   * resolves when every PubAck arrived (a duplicate PubAck counts as accepted). Core: publishes and
   * resolves after a flush round trip (the server received them; at-most-once). Rejects with
   * AddressError (invalid address, or no stream captures the subject), MessageTooLargeError,
   * DataError (header NATS cannot carry), TimeoutError, ClosedError or another PolybusError.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    const target = parsePublishAddress(address);
    const nc = this.#link.connection();
    const outgoing = outgoingMessages(target, messages, this.#link.maxPayload);
    if (messages.length === 0) return;
    if (target.kind === 'core')
      return publishCore(nc, target.subject, messages, outgoing, this.#options.requestTimeoutMs);
    return this.#jetStream.publish(target, messages, outgoing);
  }

  /**
   * Subscribes (see {@link SubscribeOptions}). JetStream: resolves once the group's durable consumer
   * (or the ephemeral one) exists, so every later message reaches it. Core: resolves once the server
   * registered the (queue) subscription. Rejects with AddressError, ClosedError or another PolybusError.
   */
  subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.#subscriptions.subscribe(address, handler, options);
  }

  /**
   * The lag of the group's durable consumer on a JetStream address: consumer info `num_pending` +
   * `num_ack_pending` (see {@link fetchJetStreamLag}). Rejects with AddressError for a core address
   * or without a group.
   */
  async lag(address: Address, group?: string): Promise<LagReport> {
    const target = this.#jetStreamTarget(address, 'lag');
    if (group === undefined) throw new AddressError(`nats lag of "${target.subject}" needs a group`);
    const stream = await this.#resolver.resolve(target);
    try {
      return await fetchJetStreamLag(
        await this.#link.manager(),
        stream,
        target.subject,
        durableNameFor(group, target.subject),
      );
    } catch (error) {
      throw isPolybusError(error) ? error : fromNatsError(error, `lag of ${target.subject}`);
    }
  }

  /**
   * Reads a JetStream address without consuming it: an ephemeral consumer without acks, from
   * stream sequence `from` up to the last sequence captured at the start (see {@link readJetStream}).
   */
  async *read(address: Address, options: ReadOptions = {}): AsyncGenerator<ReadRecord> {
    const target = this.#jetStreamTarget(address, 'read');
    const stream = await this.#resolver.resolve(target);
    try {
      yield* readJetStream(
        this.#link.jetStream(),
        await this.#link.manager(),
        stream,
        target.subject,
        options,
      );
    } catch (error) {
      throw isPolybusError(error) ? error : fromNatsError(error, `read ${target.subject}`);
    }
  }

  #jetStreamTarget(address: Address, what: string): { subject: string; stream?: string } {
    const target = parseNatsAddress(address);
    this.#link.connection();
    if (target.kind === 'core')
      throw new AddressError(`nats ${what} needs a JetStream address; "${target.subject}" is core NATS`);
    return target;
  }

  /**
   * Core NATS request/reply on the address's subject (a JetStream address is used as a plain subject
   * too): sends `message` and resolves with the first reply. Rejects with TimeoutError when none came
   * within `timeoutMs` (default `requestTimeoutMs`), UnroutableError when nobody listens (no responders).
   */
  async request(address: Address, message: Message, options: { timeoutMs?: number } = {}): Promise<Message> {
    const target = parsePublishAddress(address);
    const nc = this.#link.connection();
    const [out] = outgoingMessages({ kind: 'core' }, [message], this.#link.maxPayload);
    const timeout = options.timeoutMs ?? this.#options.requestTimeoutMs;
    try {
      const reply = await nc.request(target.subject, message.body, {
        timeout,
        headers: wireHeaders({ headers: out!.headers }),
      });
      return coreMessageOf(reply);
    } catch (error) {
      if (isNoResponders(error)) {
        throw new UnroutableError(`request to ${target.subject}: no responders`, {
          cause: error,
          retriable: true,
        });
      }
      const mapped = fromNatsError(error, `request to ${target.subject}`);
      if (mapped instanceof TimeoutError) {
        throw new TimeoutError(`request to ${target.subject}: no reply within ${timeout} ms`, {
          cause: error,
        });
      }
      throw mapped;
    }
  }

  /** Connection health from nats.js status events; cheap, never throws. */
  health(): HealthStatus {
    return this.#link.health();
  }

  /**
   * Closes every subscription (as `Subscription.close`, with `options`), then drains and closes the
   * connection (bounded: a connection that cannot drain is closed). Safe to call twice; never rejects.
   */
  readonly close = once(
    (options: CloseOptions = {}): Promise<void> =>
      this.#link.close(options, () => this.#subscriptions.closeAll(options)),
  );
}
