// Over 300 lines (barely): one Transport class for two socket patterns (PUB/SUB and PUSH/PULL) that share
// bind/connect handling; the envelope, sockets and subscriptions live in their own modules.
import { randomUUID } from 'node:crypto';
import {
  type Address,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConfigError,
  ConnectionError,
  type DeliveryHandler,
  type HealthStatus,
  type Logger,
  type Message,
  MessageTooLargeError,
  NotConnectedError,
  redactUrl,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { once } from '@polybus/core/adapter-kit';
import { Subscriber } from 'zeromq';
import { parseZmqAddress } from './zmq-address.js';
import { fromZmqError } from './zmq-errors.js';
import type { ZmqTransportOptions } from './zmq-options.js';
import { JOIN_PREFIX, ZmqSender } from './zmq-sender.js';
import { createReceivingSocket, createSendingSocket, ipcInUse, type ReceivingSocket } from './zmq-sockets.js';
import { ZmqSubscription } from './zmq-subscription.js';
import { parseZmqUrl, type ZmqEndpoint } from './zmq-url.js';

/**
 * What a ZeroMQ transport guarantees: nothing is kept anywhere (`persistent: false`), so delivery is
 * at most once, ack and nack do nothing, there is no replay and no nack delay. No consumer groups:
 * PUB/SUB gives every subscriber every message and PUSH/PULL shares among every connected puller
 * whatever group name it uses, so "every group gets every message" never holds. No per-key order
 * under concurrent handlers. Headers travel in the metadata frame.
 */
export function zmqCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({
    persistent: false,
    consumerGroups: false,
    orderedPerKey: false,
    nackDelay: false,
    replay: false,
    headers: true,
    maxMessageBytes,
  });
}

/**
 * `zmq+tcp://` / `zmq+ipc://`: ZeroMQ sockets on one endpoint, speaking one pattern (`pubsub` or
 * `pushpull`, an option). The transport holds at most one sending socket (XPUB or PUSH), created and
 * bound in `connect()` when `bind: 'sender'`, else created and connected on the first publish; each
 * subscription has its own receiving socket (SUB or PULL), connected, or bound with
 * `bind: 'receiver'` (then one subscription at a time). ZeroMQ reconnects by itself, forever.
 */
export class ZmqTransport implements Transport {
  readonly scheme: string;
  readonly capabilities: Capabilities;
  readonly #url: string;
  readonly #endpoint: ZmqEndpoint;
  readonly #options: ZmqTransportOptions;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<ZmqSubscription>();
  #sender: Promise<ZmqSender> | undefined;
  /** The endpoint as bound locally (the OS-picked port filled in), once something here bound it. */
  #boundEndpoint: string | undefined;
  #receiverBound = false;
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closed = false;

  /** Creates an unconnected transport; does no I/O. Throws ConfigError for a bad URL. */
  constructor(url: string, options: ZmqTransportOptions, logger: Logger) {
    this.#endpoint = parseZmqUrl(url);
    this.scheme = `zmq+${this.#endpoint.transport}`;
    this.#url = redactUrl(url);
    this.#options = options;
    this.#logger = logger;
    this.capabilities = zmqCapabilities(options.maxMessageBytes);
  }

  /** The endpoint this transport bound, as ZeroMQ reports it (the real port when the OS picked it). */
  get boundEndpoint(): string | undefined {
    return this.#boundEndpoint;
  }

  /**
   * With `bind: 'sender'`, creates the sending socket and binds it (so a bind failure, e.g. the port in
   * use, rejects here with a ConnectionError). Otherwise only marks the transport usable: connecting
   * sockets are created on use and ZeroMQ connects them in the background. Safe to call twice; after
   * a failure (port in use) a later call tries again.
   */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    if (this.#closed) throw new ClosedError(`zmq transport ${this.#url} is closed`);
    if (this.#options.bind === 'sender') await this.#senderSocket();
    this.#connected = true;
  }

  /**
   * Queues `messages` on the sending socket, in order, and resolves once ZeroMQ holds all of them in
   * its outgoing queue: nothing confirms a peer received them. PUB drops a message for a subscriber
   * whose queue is full (or that is not connected); PUSH waits for room up to `sendTimeoutMs`, then
   * rejects with a TimeoutError (the earlier messages of the call were queued). Rejects with
   * AddressError, MessageTooLargeError (before queueing any), NotConnectedError, ClosedError.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    const parsed = parseZmqAddress(address, this.#options.pattern);
    this.#assertOpen();
    for (const message of messages) {
      if (message.body.byteLength > this.#options.maxMessageBytes) {
        throw new MessageTooLargeError(
          `message ${message.id} has ${message.body.byteLength} bytes, more than maxMessageBytes ${this.#options.maxMessageBytes}`,
        );
      }
    }
    if (messages.length === 0) return;
    const sender = await this.#senderSocket();
    await sender.send(this.#options.pattern === 'pubsub' ? parsed.topic : undefined, messages);
  }

  /**
   * Opens a receiving socket for `address` and resolves once it is subscribed and bound or connected,
   * and joined, waiting at most `joinTimeoutMs`: on pub/sub when a polybus publisher answered the join
   * handshake (its copy of the topic filter is in effect: everything it publishes from then on is
   * sent to this subscription), on push/pull when the first connection handshake completed. A raw
   * (non-polybus) publisher never answers, so subscribing to one takes `joinTimeoutMs`; a peer that
   * is not up yet is joined later, when it appears, and what it publishes before that is not
   * received. `group` is refused on pub/sub (every subscriber gets every message) and only recorded
   * on push/pull (every connected puller shares, whatever its group).
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const parsed = parseZmqAddress(address, this.#options.pattern);
    this.#assertOpen();
    const { pattern } = this.#options;
    if (options.group !== undefined && pattern === 'pubsub') {
      throw new ConfigError(
        'zmq pub/sub has no consumer groups: every subscriber receives every message; use pattern "pushpull" to share work',
      );
    }
    if (options.from === 'earliest') {
      throw new ConfigError('zmq keeps no messages: a subscription cannot start from the earliest one');
    }
    const maxInFlight = options.maxInFlight ?? 16;
    const socket = createReceivingSocket(pattern, this.#options);
    const token = randomUUID();
    let endpoint: string;
    let handshake: Promise<boolean> | undefined;
    try {
      if (socket instanceof Subscriber) {
        socket.subscribe(parsed.topic, `${JOIN_PREFIX}${token}`);
      }
      if (this.#options.bind === 'receiver') {
        endpoint = await this.#bindReceiver(socket);
      } else {
        endpoint = this.#connectEndpoint();
        if (pattern === 'pushpull') handshake = this.#handshake(socket);
        socket.connect(endpoint);
      }
    } catch (error) {
      socket.close();
      throw error;
    }
    const subscription = new ZmqSubscription({
      socket,
      pattern,
      address,
      parsed,
      group: options.group,
      handler,
      maxInFlight,
      maxPending: this.#options.maxPending,
      endpoint,
      joinToken: token,
      logger: this.#logger,
      onClosed: (s) => {
        this.#subscriptions.delete(s);
        if (this.#options.bind === 'receiver') this.#receiverBound = false;
      },
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    if (this.#options.bind !== 'receiver' && this.#options.joinTimeoutMs > 0) {
      const joined = await (handshake ?? subscription.joined(this.#options.joinTimeoutMs));
      if (!joined) {
        this.#logger.info(
          { endpoint, timeoutMs: this.#options.joinTimeoutMs },
          'zmq: no peer confirmed the subscription yet (none up, or a non-polybus publisher); it stays open',
        );
      }
    }
    if (socket instanceof Subscriber && !socket.closed) socket.unsubscribe(`${JOIN_PREFIX}${token}`);
    return subscription;
  }

  /** `up` once connected, `closed` after close, `down` before. Cheap, never throws. */
  health(): HealthStatus {
    if (this.#closed) return { state: 'closed' };
    if (!this.#connected) return { state: 'down', detail: 'not connected' };
    const detail = `${this.#options.pattern} on ${this.#boundEndpoint ?? this.#endpoint.endpoint}, ${this.#subscriptions.size} subscription(s)`;
    return { state: 'up', detail };
  }

  /** Closes every subscription (draining handlers up to `timeoutMs`), then the sending socket. Safe twice. */
  close(options: CloseOptions = {}): Promise<void> {
    return this.#close(options);
  }

  readonly #close = once(async (options: CloseOptions): Promise<void> => {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    const sender = await this.#sender?.catch(() => undefined);
    sender?.close();
  });

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`zmq transport ${this.#url} is closed`);
    if (!this.#connected) throw new NotConnectedError(`zmq transport ${this.#url} is not connected`);
  }

  /** The sending socket, created (bound or connected) on first use; a failed creation is retried next time. */
  #senderSocket(): Promise<ZmqSender> {
    this.#sender ??= this.#createSender().catch((error: unknown) => {
      this.#sender = undefined;
      throw error;
    });
    return this.#sender;
  }

  async #createSender(): Promise<ZmqSender> {
    const socket = createSendingSocket(this.#options.pattern, this.#options);
    try {
      if (this.#options.bind === 'sender') {
        await this.#bind(socket);
        this.#boundEndpoint = socket.lastEndpoint ?? this.#endpoint.endpoint;
        return new ZmqSender(socket, this.#boundEndpoint, this.#logger);
      }
      const endpoint = this.#connectEndpoint();
      socket.connect(endpoint);
      return new ZmqSender(socket, endpoint, this.#logger);
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  async #bindReceiver(socket: ReceivingSocket): Promise<string> {
    if (this.#receiverBound) {
      throw new ConfigError(
        `zmq transport ${this.#url} binds its receiver: it holds one subscription at a time (close the other first)`,
      );
    }
    this.#receiverBound = true;
    try {
      await this.#bind(socket);
    } catch (error) {
      this.#receiverBound = false;
      throw error;
    }
    this.#boundEndpoint = socket.lastEndpoint ?? this.#endpoint.endpoint;
    return this.#boundEndpoint;
  }

  async #bind(socket: { bind(endpoint: string): Promise<void> }): Promise<void> {
    const { endpoint, transport } = this.#endpoint;
    if (transport === 'ipc' && (await ipcInUse(endpoint.slice('ipc://'.length)))) {
      throw new ConnectionError(`cannot bind ${endpoint}: another process is bound to it (EADDRINUSE)`, {
        details: { zmqCode: 'EADDRINUSE' },
      });
    }
    try {
      await socket.bind(endpoint);
    } catch (error) {
      const side = this.#options.bind === 'sender' ? 'bind: sender' : 'bind: receiver';
      throw fromZmqError(
        error,
        `bind ${endpoint} (${side}; set bind: 'none' to connect to a peer that binds)`,
      );
    }
  }

  /** Where connecting sockets connect: the locally bound endpoint (real port) if any, else the URL's. */
  #connectEndpoint(): string {
    if (this.#boundEndpoint !== undefined) return this.#boundEndpoint.replace('//0.0.0.0:', '//127.0.0.1:');
    if (this.#endpoint.ephemeral) {
      throw new ConfigError(
        `zmq URL ${this.#url} lets the OS pick the port: only the bound side can use it until it is bound`,
      );
    }
    return this.#endpoint.endpoint;
  }

  /**
   * Resolves `true` at the socket's first connection handshake, `false` after `joinTimeoutMs`. Call
   * it before `connect`: the socket monitor reports only what happens after it started.
   */
  #handshake(socket: ReceivingSocket): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#options.joinTimeoutMs);
      socket.events.on('handshake', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
