import {
  type Address,
  AddressError,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConnectionError,
  type DeliveryHandler,
  delay,
  type HealthStatus,
  isPolybusError,
  type Logger,
  type Message,
  MessageTooLargeError,
  NotConnectedError,
  once,
  PublishError,
  type Requester,
  type SubscribeOptions,
  type Subscription,
  TimeoutError,
  type Transport,
  UnroutableError,
} from '@polybus/core';
import {
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
} from 'nats';
import { CoreSubscription, coreMessageOf } from './core-subscription.js';
import { JetStreamSubscription } from './jetstream-subscription.js';
import { type NatsAddress, parseNatsAddress, parsePublishAddress } from './nats-address.js';
import { natsConnectOptions } from './nats-connect-options.js';
import { fromNatsError, isNoResponders } from './nats-errors.js';
import { type NatsOutgoing, toNatsHeaders } from './nats-headers.js';
import type { NatsTransportOptions } from './nats-options.js';
import { parseNatsUrl } from './nats-url.js';
import { StreamResolver } from './stream-resolver.js';

/** Bytes of `max_payload` kept free for headers when stating `maxMessageBytes` (at most 1/8 of it). */
export const HEADER_ROOM_BYTES = 8 * 1024;

/** Largest body stated in the capabilities for a server `max_payload`: minus room for headers. Pure. */
export function maxBodyBytes(maxPayload: number): number {
  return maxPayload - Math.min(HEADER_ROOM_BYTES, Math.floor(maxPayload / 8));
}

/** The server's default `max_payload` (1 MiB), used until connected. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** Capabilities of JetStream addresses for a server whose `max_payload` is `maxPayload`. */
export function jetStreamCapabilities(maxPayload: number): Capabilities {
  return Object.freeze({
    persistent: true,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: true,
    replay: true,
    headers: true,
    maxMessageBytes: maxBodyBytes(maxPayload),
  });
}

/**
 * Capabilities of core NATS addresses: at-most-once (nothing kept, ack/nack do nothing). Queue groups
 * give group semantics among live subscribers: every group receives every message, members of one
 * group share them; a group with no member online misses what is published meanwhile.
 */
export function coreCapabilities(maxPayload: number): Capabilities {
  return Object.freeze({
    persistent: false,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: false,
    replay: false,
    headers: true,
    maxMessageBytes: maxBodyBytes(maxPayload),
  });
}

function wireHeaders(out: NatsOutgoing): MsgHdrs {
  const h = natsHeaders();
  for (const [name, value] of out.headers) h.append(name, value);
  return h;
}

function headerBytes(out: NatsOutgoing): number {
  let size = 12;
  for (const [name, value] of out.headers) size += name.length + Buffer.byteLength(value, 'utf8') + 4; // counted, not encoded
  return size;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not complete within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `nats://`: NATS JetStream (string subjects and `{ subject, stream? }`, persistent, durable pull
 * consumers per group) and core NATS (`{ subject, core: true }`, at-most-once, queue groups,
 * request/reply) over one nats.js connection. nats.js reconnects by itself (forever by default);
 * {@link health} follows its status events.
 */
export class NatsTransport implements Transport, Requester {
  readonly scheme = 'nats';
  readonly #url: string;
  readonly #options: NatsTransportOptions;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<CoreSubscription | JetStreamSubscription>();
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: Promise<JetStreamManager> | undefined;
  #connecting: Promise<void> | undefined;
  #resolver: StreamResolver;
  #maxPayload = DEFAULT_MAX_PAYLOAD;
  #state: HealthStatus['state'] = 'down';
  #detail: string | undefined = 'not connected';
  #closed = false;

  /** Creates an unconnected transport; does no I/O. Throws ConfigError for a bad URL. */
  constructor(url: string, options: NatsTransportOptions, logger: Logger) {
    parseNatsUrl(url);
    this.#url = url;
    this.#options = options;
    this.#logger = logger;
    this.#resolver = new StreamResolver(() => this.#manager(), options.createStreams, options.stream, logger);
  }

  /** JetStream capabilities; `maxMessageBytes` follows the server's `max_payload` once connected. */
  get capabilities(): Capabilities {
    return jetStreamCapabilities(this.#maxPayload);
  }

  /** At-most-once capabilities for core addresses, JetStream ones otherwise. Throws AddressError. */
  capabilitiesFor(address: Address): Capabilities {
    return parseNatsAddress(address).kind === 'core'
      ? coreCapabilities(this.#maxPayload)
      : jetStreamCapabilities(this.#maxPayload);
  }

  /**
   * Connects (one attempt of `connectTimeoutMs` per server; rejects with ConnectionError when none
   * answers). A second call while connected or connecting returns the same promise's outcome.
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('nats transport is closed'));
    this.#connecting ??= this.#connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const url = parseNatsUrl(this.#url);
    const o = this.#options;
    this.#state = 'connecting';
    let nc: NatsConnection;
    try {
      nc = await connect(natsConnectOptions(url, o));
    } catch (error) {
      this.#state = 'down';
      this.#detail = 'connect failed';
      throw new ConnectionError(
        `cannot connect to nats ${url.servers.join(',')}: ${fromNatsError(error, 'connect').message}`,
        {
          cause: error,
        },
      );
    }
    if (this.#closed) {
      await nc.close().catch(() => undefined);
      throw new ClosedError('nats transport was closed while connecting');
    }
    this.#nc = nc;
    this.#js = nc.jetstream({ timeout: o.requestTimeoutMs });
    this.#maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    this.#state = 'up';
    this.#detail = undefined;
    void this.#watchStatus(nc);
    void nc.closed().then((error) => {
      if (this.#closed) return;
      this.#state = 'down';
      this.#detail = error
        ? `connection closed: ${fromNatsError(error, 'nats').message}`
        : 'connection closed';
      this.#logger.error({ detail: this.#detail }, 'nats: connection closed for good');
      const ended = new ConnectionError(`nats ${this.#detail}`, { cause: error ?? undefined });
      for (const sub of [...this.#subscriptions]) void sub.fail(ended);
    });
    this.#logger.info({ server: nc.getServer(), maxPayload: this.#maxPayload }, 'nats: connected');
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.#closed) break;
      switch (s.type) {
        case 'disconnect':
          this.#state = 'connecting';
          this.#detail = 'disconnected, reconnecting';
          this.#logger.warn({ server: String(s.data) }, 'nats: disconnected');
          break;
        case 'reconnecting':
          this.#state = 'connecting';
          this.#detail = 'reconnecting';
          break;
        case 'reconnect':
          this.#state = 'up';
          this.#detail = undefined;
          this.#logger.info({ server: String(s.data) }, 'nats: reconnected');
          break;
        case 'error':
          this.#detail = `error: ${fromNatsError(s.data, 'nats').message}`;
          break;
        default:
          break;
      }
    }
  }

  #connection(): NatsConnection {
    if (this.#closed) throw new ClosedError('nats transport is closed');
    if (!this.#nc) throw new NotConnectedError('nats transport is not connected: call connect() first');
    return this.#nc;
  }

  #manager(): Promise<JetStreamManager> {
    const nc = this.#connection();
    this.#jsm ??= nc.jetstreamManager({ timeout: this.#options.requestTimeoutMs }).catch((error: unknown) => {
      this.#jsm = undefined;
      throw fromNatsError(error, 'JetStream is not available');
    });
    return this.#jsm;
  }

  #outgoing(address: NatsAddress, messages: readonly Message[]): NatsOutgoing[] {
    const core = address.kind === 'core';
    return messages.map((m) => {
      const out = toNatsHeaders(m, { core });
      const size = m.body.byteLength + headerBytes(out);
      if (size > this.#maxPayload) {
        throw new MessageTooLargeError(
          `message ${m.id} needs ${size} bytes with headers; the nats server accepts at most ${this.#maxPayload} (max_payload)`,
        );
      }
      return out;
    });
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
    const nc = this.#connection();
    const outgoing = this.#outgoing(target, messages);
    if (messages.length === 0) return;
    if (target.kind === 'core') {
      try {
        messages.forEach((m, i) => {
          const out = outgoing[i]!;
          nc.publish(target.subject, m.body, {
            headers: wireHeaders(out),
            ...(out.reply === undefined ? {} : { reply: out.reply }),
          });
        });
      } catch (error) {
        throw fromNatsError(error, `publish to ${target.subject}`);
      }
      await withTimeout(nc.flush(), this.#options.requestTimeoutMs, `flush of ${target.subject}`).catch(
        (error: unknown) => {
          throw isPolybusError(error) ? error : fromNatsError(error, `flush of ${target.subject}`);
        },
      );
      return;
    }
    const stream =
      this.#options.createStreams || target.stream !== undefined
        ? await this.#resolver.resolve(target)
        : undefined;
    let pending = messages.map((_, i) => i);
    for (let round = 0; ; round++) {
      const failures = await this.#publishJetStream(target, stream, messages, outgoing, pending);
      if (failures.length === 0) return;
      const noStream = failures.filter((f) => isNoResponders(f.error));
      if (noStream.length === failures.length && round === 0 && this.#options.createStreams) {
        // The stream vanished since it was resolved: create it again and resend (same ids: deduplicated).
        this.#resolver.forget(target);
        await this.#resolver.resolve(target);
        pending = noStream.map((f) => f.index);
        continue;
      }
      throw await this.#publishError(target, failures[0]!.error, failures.length, messages.length);
    }
  }

  async #publishJetStream(
    target: NatsAddress & { kind: 'jetstream' },
    stream: string | undefined,
    messages: readonly Message[],
    outgoing: readonly NatsOutgoing[],
    indexes: readonly number[],
  ): Promise<Array<{ index: number; error: unknown }>> {
    const js = this.#js as JetStreamClient;
    const results = await Promise.allSettled(
      indexes.map((i) =>
        js.publish(target.subject, messages[i]!.body, {
          headers: wireHeaders(outgoing[i]!),
          timeout: this.#options.requestTimeoutMs,
          ...(target.stream === undefined || stream === undefined ? {} : { expect: { streamName: stream } }),
        }),
      ),
    );
    const failures: Array<{ index: number; error: unknown }> = [];
    results.forEach((r, n) => {
      if (r.status === 'rejected') failures.push({ index: indexes[n]!, error: r.reason });
    });
    return failures;
  }

  async #publishError(target: NatsAddress, error: unknown, failed: number, total: number): Promise<Error> {
    const context = `publish of ${failed}/${total} message(s) to ${target.subject}`;
    if (!isNoResponders(error)) {
      const mapped = fromNatsError(error, context);
      return mapped.code === 'BROKER_ERROR' ? new PublishError(mapped.message, { cause: error }) : mapped;
    }
    // 503: either no stream captures the subject (an address error) or JetStream is not ready (retriable).
    this.#resolver.forget(target);
    try {
      await this.#resolver.resolve(target);
    } catch (lookup) {
      if (lookup instanceof AddressError)
        return new AddressError(`${context}: ${lookup.message}`, { cause: error });
    }
    return new PublishError(`${context}: JetStream did not answer (no responders)`, { cause: error });
  }

  /**
   * Subscribes (see {@link SubscribeOptions}). JetStream: resolves once the group's durable consumer
   * (or the ephemeral one) exists, so every later message reaches it. Core: resolves once the server
   * registered the (queue) subscription. Rejects with AddressError, ClosedError or another PolybusError.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const target = parseNatsAddress(address);
    const nc = this.#connection();
    const maxInFlight = options.maxInFlight ?? 16;
    const onClosed = (sub: CoreSubscription | JetStreamSubscription): void => {
      this.#subscriptions.delete(sub);
    };
    if (target.kind === 'core') {
      const sub = new CoreSubscription({
        nc,
        subject: target.subject,
        address,
        group: options.group,
        handler,
        maxInFlight,
        maxPending: this.#options.maxPendingCore,
        logger: this.#logger,
        onClosed,
      });
      this.#subscriptions.add(sub);
      try {
        await withTimeout(sub.start(), this.#options.requestTimeoutMs, `subscribe to ${target.subject}`);
        this.#connection();
      } catch (error) {
        await sub.close({ timeoutMs: 0 });
        throw isPolybusError(error) ? error : fromNatsError(error, `subscribe to ${target.subject}`);
      }
      return sub;
    }
    const stream = await this.#resolver.resolve(target);
    const sub = new JetStreamSubscription({
      nc,
      js: this.#js as JetStreamClient,
      jsm: await this.#manager(),
      resolveStream: (fresh) => {
        if (fresh) this.#resolver.forget(target);
        return this.#resolver.resolve(target);
      },
      stream,
      subject: target.subject,
      address,
      group: options.group,
      from: options.from ?? 'latest',
      handler,
      maxInFlight,
      options: this.#options,
      logger: this.#logger,
      onClosed,
    });
    this.#subscriptions.add(sub);
    try {
      this.#connection(); // closed meanwhile?
      await sub.start();
      this.#connection();
    } catch (error) {
      await sub.close({ timeoutMs: 0 });
      throw isPolybusError(error) ? error : fromNatsError(error, `subscribe to ${target.subject}`);
    }
    return sub;
  }

  /**
   * Core NATS request/reply on the address's subject (a JetStream address is used as a plain subject
   * too): sends `message` and resolves with the first reply. Rejects with TimeoutError when none came
   * within `timeoutMs` (default `requestTimeoutMs`), UnroutableError when nobody listens (no responders).
   */
  async request(address: Address, message: Message, options: { timeoutMs?: number } = {}): Promise<Message> {
    const target = parsePublishAddress(address);
    const nc = this.#connection();
    const [out] = this.#outgoing({ kind: 'core', subject: target.subject }, [message]);
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
    if (this.#closed) return { state: 'closed' };
    return this.#detail === undefined ? { state: this.#state } : { state: this.#state, detail: this.#detail };
  }

  /**
   * Closes every subscription (as `Subscription.close`, with `options`), then drains and closes the
   * connection (bounded: a connection that cannot drain is closed). Safe to call twice; never rejects.
   */
  readonly close = (options: CloseOptions = {}): Promise<void> => this.#close(options);

  readonly #close = once(async (options: CloseOptions): Promise<void> => {
    this.#closed = true;
    await this.#connecting?.catch(() => undefined);
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    const nc = this.#nc;
    if (nc && !nc.isClosed()) {
      const drained = await Promise.race([
        nc.drain().then(
          () => true,
          () => false,
        ),
        delay(Math.max(1_000, Math.min(options.timeoutMs ?? 5_000, 5_000))).then(() => false),
      ]);
      if (!drained) await nc.close().catch(() => undefined);
    }
    this.#state = 'down';
  });
}
