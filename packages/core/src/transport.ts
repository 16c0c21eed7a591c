import type { Address } from './address.js';
import type { Capabilities } from './capabilities.js';
import type { Message } from './message.js';

/** Options of a nack. */
export interface NackOptions {
  /**
   * Put the message back for redelivery (default true). `false` drops it where the broker allows it
   * (AMQP reject without requeue goes to the queue's dead-letter exchange, JetStream `term`); on a
   * broker that cannot drop, it behaves like `true`.
   */
  requeue?: boolean;
  /** Redeliver no sooner than this many milliseconds from now (only with `capabilities.nackDelay`). */
  delayMs?: number;
}

/** Where a received message came from; all fields are broker-specific and optional. */
export interface DeliverySource {
  /** The address the subscription was made on. */
  readonly address: Address;
  /** The group the subscription belongs to, if any. */
  readonly group?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly deliveryTag?: number;
  readonly streamId?: string;
  readonly subject?: string;
  readonly redelivered?: boolean;
}

/**
 * A received message and the means to settle it. Exactly one settle counts: the first `ack()` or
 * `nack()` wins and every later call returns the first call's promise, never throwing "unknown
 * delivery tag" or similar. A settle after the subscription or connection closed resolves without
 * effect: the broker redelivers what was not acked.
 */
export interface Delivery {
  readonly message: Message;
  /** 1 on the first delivery, +1 on each redelivery (from the broker's delivery count where it has one). */
  readonly attempt: number;
  readonly source: DeliverySource;
  /** True once `ack` or `nack` has been called. */
  readonly settled: boolean;
  /** Confirms processing; the broker will not deliver this message to this group again. */
  ack(): Promise<void>;
  /** Gives the message back for redelivery (see {@link NackOptions}). */
  nack(options?: NackOptions): Promise<void>;
}

/**
 * Called once per delivery. The transport counts a delivery as in flight from the call until it is
 * settled (not until the handler returns), so a handler may settle later. If the handler throws or
 * rejects and has not settled, the transport nacks the delivery (requeue).
 */
export type DeliveryHandler = (delivery: Delivery) => void | Promise<void>;

/** Options of a subscription. */
export interface SubscribeOptions {
  /**
   * Consumer group. Every group receives every message of the address; members of one group share
   * them. A group starts with the messages published after it is first created (unless `from`).
   * Without a group the subscription is private and ephemeral: it receives what is published while it
   * is open and nothing is kept for it after `close()`.
   */
  group?: string;
  /**
   * Most unsettled deliveries this subscription holds at once (broker prefetch).
   * @defaultValue 16
   */
  maxInFlight?: number;
  /**
   * Where a *new* group starts: `'latest'` (messages published after the subscription is ready) or
   * `'earliest'` (oldest retained; needs `capabilities.replay`).
   * @defaultValue 'latest'
   */
  from?: 'latest' | 'earliest';
}

/** Options of {@link Subscription.close}. */
export interface CloseOptions {
  /**
   * How long to wait for in-flight deliveries to be settled before giving up on them; they are then
   * left unacked, for the broker to redeliver.
   * @defaultValue 30000
   */
  timeoutMs?: number;
}

/** A live subscription. */
export interface Subscription {
  /**
   * Stops taking new deliveries, waits until every in-flight delivery is settled (up to
   * `timeoutMs`), then releases the broker consumer. Safe to call twice: later calls return the first
   * call's promise. Never rejects.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Number of deliveries handed to the handler and not yet settled. */
  readonly inFlight: number;
  /** Resolves when the subscription ended, by `close()` or by a fatal error (passed as the value). */
  readonly closed: Promise<Error | undefined>;
}

/** Health of a transport's connection. */
export interface HealthStatus {
  /** `up`: connected; `connecting`: (re)connecting; `down`: not connected and not trying; `closed`: closed by its owner. */
  readonly state: 'up' | 'connecting' | 'down' | 'closed';
  /** Human-readable detail, never credentials. */
  readonly detail?: string;
}

/**
 * One broker connection, as an adapter implements it. Small on purpose: optional abilities are
 * separate interfaces ({@link Requester}) with type guards.
 */
export interface Transport {
  /** URL scheme this transport was created for (`amqp`, `kafka`, ...). */
  readonly scheme: string;
  /** What this transport guarantees for its default addresses; see {@link Capabilities}. */
  readonly capabilities: Capabilities;
  /**
   * Capabilities of one address where they differ from `capabilities` (a Redis Pub/Sub channel or a
   * core NATS subject is at-most-once on a transport whose streams are persistent). Optional: when
   * absent, `capabilities` holds for every address. Use {@link capabilitiesOf} to read it. Throws
   * {@link AddressError} for an invalid address. Pure and cheap (no I/O, no connection needed); the
   * answer for an address never changes, so a caller may read it once and keep it (the bridge does,
   * per sink).
   */
  capabilitiesFor?(address: Address): Capabilities;
  /**
   * Opens the connection. Rejects with a {@link ConnectionError} when the broker cannot be reached
   * (after the adapter's initial retries). Calling it again while connected is a no-op.
   */
  connect(): Promise<void>;
  /**
   * Publishes messages in order and resolves only once the broker durably accepted every one of them
   * (publisher confirm, acks=all, PubAck, XADD reply). Rejects with a PolybusError otherwise; some of
   * the messages may then have been accepted (at-least-once: publish again). Safe to call concurrently.
   */
  publish(address: Address, messages: readonly Message[]): Promise<void>;
  /**
   * Starts consuming. Resolves once the subscription is established: every message published after
   * that reaches it (or its group). Rejects with {@link AddressError} for an address the adapter
   * cannot use.
   */
  subscribe(address: Address, handler: DeliveryHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Current connection health; cheap, never throws. */
  health(): HealthStatus;
  /**
   * Closes every subscription (as {@link Subscription.close}, with `options`) and then the
   * connection; deliveries still unsettled after `timeoutMs` are left for the broker to redeliver.
   * Safe to call twice: later calls return the first call's promise. Publishing after close rejects
   * with {@link ClosedError}.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** The capabilities `transport` has for `address` (see {@link Transport.capabilitiesFor}). */
export function capabilitiesOf(transport: Transport, address: Address): Capabilities {
  return transport.capabilitiesFor?.(address) ?? transport.capabilities;
}

/**
 * Called once per message of a {@link StreamingPublisher.publishEach}: `error` undefined when the
 * broker durably accepted message `index`, else why it was not (a PolybusError).
 */
export type PublishSettled = (index: number, error: unknown) => void;

/**
 * Optional ability: a publish whose messages are settled one by one as the broker confirms them,
 * instead of all at once when the last confirm of the call arrived. A caller that acks a source per
 * message (the bridge) frees each message's in-flight slot one confirm earlier, so its confirm round
 * trips overlap instead of queueing behind the slowest one of a batch.
 */
export interface StreamingPublisher {
  /**
   * Publishes `messages` in order, with the guarantee of {@link Transport.publish}, and calls
   * `settled(i, error)` exactly once per message (in any order): `error` undefined once the broker
   * durably accepted message `i`; otherwise the message's own fault (too large, unroutable: only that
   * message fails) or the transport's (not connected, nacked, timed out: every message not yet
   * confirmed fails). Messages of successive calls go out in call order. Never throws; safe to call
   * concurrently; after the transport closed every message is settled with ClosedError.
   */
  publishEach(address: Address, messages: readonly Message[], settled: PublishSettled): void;
}

/** True when the transport offers {@link StreamingPublisher}. */
export function isStreamingPublisher(transport: Transport): transport is Transport & StreamingPublisher {
  return typeof (transport as Partial<StreamingPublisher>).publishEach === 'function';
}

/** Optional ability: request/reply. */
export interface Requester {
  /** Sends `message` and resolves with the first reply, or rejects with {@link TimeoutError}. */
  request(address: Address, message: Message, options?: { timeoutMs?: number }): Promise<Message>;
}

/** True when the transport offers {@link Requester}. */
export function isRequester(transport: Transport): transport is Transport & Requester {
  return typeof (transport as Partial<Requester>).request === 'function';
}
