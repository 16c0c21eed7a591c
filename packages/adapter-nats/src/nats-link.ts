import {
  ClosedError,
  type CloseOptions,
  ConnectionError,
  type HealthStatus,
  type Logger,
  NotConnectedError,
} from '@polybus/core';
import { delay } from '@polybus/core/adapter-kit';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { DEFAULT_MAX_PAYLOAD } from './nats-capabilities.js';
import { natsConnectOptions } from './nats-connect-options.js';
import { connectFailure, fromNatsError } from './nats-errors.js';
import type { NatsTransportOptions } from './nats-options.js';
import { parseNatsUrl } from './nats-url.js';

/**
 * One nats.js connection and its health: connects, follows nats.js status events (nats.js reconnects
 * by itself, forever by default), hands out the connection, its JetStream client and a lazily created
 * JetStream manager, and closes it with a bounded drain. `onLost` is called once when the connection
 * is closed for good by nats.js (not by {@link close}), with the error that ends its users.
 */
export class NatsLink {
  readonly #url: string;
  readonly #options: NatsTransportOptions;
  readonly #logger: Logger;
  readonly #onLost: (error: ConnectionError) => void;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: Promise<JetStreamManager> | undefined;
  #connecting: Promise<void> | undefined;
  #maxPayload = DEFAULT_MAX_PAYLOAD;
  #state: HealthStatus['state'] = 'down';
  #detail: string | undefined = 'not connected';
  #closed = false;

  /** Does no I/O. `url` must already have passed {@link parseNatsUrl}. */
  constructor(
    url: string,
    options: NatsTransportOptions,
    logger: Logger,
    onLost: (error: ConnectionError) => void,
  ) {
    this.#url = url;
    this.#options = options;
    this.#logger = logger;
    this.#onLost = onLost;
  }

  /** The server's `max_payload` once connected, {@link DEFAULT_MAX_PAYLOAD} before. */
  get maxPayload(): number {
    return this.#maxPayload;
  }

  /**
   * Connects (one attempt of `connectTimeoutMs` per server; rejects with ConnectionError when none
   * answers, ClosedError once closed). A second call while connected or connecting returns the same
   * promise's outcome; after a failed attempt the next call tries again.
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
    // Outside the try: an unreadable credentials file is a ConfigError, not a connection failure.
    const connectOptions = natsConnectOptions(url, o);
    this.#state = 'connecting';
    let nc: NatsConnection;
    try {
      nc = await connect(connectOptions);
    } catch (error) {
      this.#state = 'down';
      this.#detail = 'connect failed';
      throw connectFailure(url.servers, error);
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
      this.#onLost(new ConnectionError(`nats ${this.#detail}`, { cause: error ?? undefined }));
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

  /** The open connection. Throws ClosedError once closed, NotConnectedError before connect() resolved. */
  connection(): NatsConnection {
    if (this.#closed) throw new ClosedError('nats transport is closed');
    if (!this.#nc) throw new NotConnectedError('nats transport is not connected: call connect() first');
    return this.#nc;
  }

  /** The connection's JetStream client. Throws as {@link connection}. */
  jetStream(): JetStreamClient {
    this.connection();
    return this.#js as JetStreamClient;
  }

  /**
   * The JetStream manager, created on first use and shared; a failed creation is forgotten so the
   * next call asks again. Throws as {@link connection}; rejects with a PolybusError when JetStream
   * is not available.
   */
  manager(): Promise<JetStreamManager> {
    const nc = this.connection();
    this.#jsm ??= nc.jetstreamManager({ timeout: this.#options.requestTimeoutMs }).catch((error: unknown) => {
      this.#jsm = undefined;
      throw fromNatsError(error, 'JetStream is not available');
    });
    return this.#jsm;
  }

  /** Connection health from nats.js status events; `closed` once {@link close} was called. Cheap, never throws. */
  health(): HealthStatus {
    if (this.#closed) return { state: 'closed' };
    return this.#detail === undefined ? { state: this.#state } : { state: this.#state, detail: this.#detail };
  }

  /**
   * Closes: from now on {@link connection} throws ClosedError and {@link health} says `closed`; waits
   * for a pending connect, runs `closeUsers` (the subscriptions, while the connection is still open),
   * then drains the connection for up to `timeoutMs` (between 1 s and 5 s) and closes it if the drain
   * did not finish. Call once (the transport's `close` is wrapped in `once`); never rejects unless
   * `closeUsers` does.
   */
  async close(options: CloseOptions, closeUsers: () => Promise<unknown>): Promise<void> {
    this.#closed = true;
    await this.#connecting?.catch(() => undefined);
    await closeUsers();
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
  }
}
