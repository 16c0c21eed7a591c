// Over 300 lines (barely): the rhea connection with its reconnect, SASL and sender cache, which share the
// container state.
import { ClosedError, ConnectionError, type HealthStatus, type Logger, TimeoutError } from '@polybus/core';
import type {
  ConnectionOptions,
  EventContext,
  Receiver,
  ReceiverOptions,
  Connection as RheaConnection,
  Sender,
  SenderOptions,
} from 'rhea';
import rhea from 'rhea';
import { fromAmqp1Error } from './amqp1-errors.js';
import type { Amqp1TransportOptions } from './amqp1-options.js';
import { amqp1ConnectFailure, amqp1SecurityOptions, tlsRefusal } from './amqp1-security.js';
import type { Amqp1Endpoint } from './amqp1-url.js';

/** Told when the connection broke (`epoch` is the one that ended) and when it is open again. */
export interface ConnectionListener {
  onDisconnected?(epoch: number, error: unknown): void;
  onReconnected?(epoch: number): void;
}

/**
 * One AMQP 1.0 connection (rhea) that reconnects by itself with backoff: rhea re-opens the session
 * and re-attaches every link that was open, and this class counts connection *epochs* so that the
 * owners of links can tell a delivery of a dead connection (whose settle must do nothing: the broker
 * redelivers it) from a live one. Credentials stay inside; logs and errors carry host and port only.
 */
export class Amqp1Connection {
  readonly #endpoint: Amqp1Endpoint;
  readonly #options: Amqp1TransportOptions;
  readonly #logger: Logger;
  readonly #listeners = new Set<ConnectionListener>();
  #connection: RheaConnection | undefined;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #epoch = 0;
  #up = false;
  #lastError: string | undefined;
  /** Why the last first-connect failed (health's detail while down). */
  #failure: string | undefined;

  constructor(endpoint: Amqp1Endpoint, options: Amqp1TransportOptions, logger: Logger) {
    this.#endpoint = endpoint;
    this.#options = options;
    this.#logger = logger;
  }

  /** `host:port`, for logs and errors. */
  get where(): string {
    return `${this.#endpoint.host}:${this.#endpoint.port}`;
  }

  /** Increments each time the connection is lost; deliveries remember the epoch they came in. */
  get epoch(): number {
    return this.#epoch;
  }

  /** True while the connection is open (between `connection_open` and a disconnect). */
  get up(): boolean {
    return this.#up;
  }

  /** Cheap; never throws. */
  health(): HealthStatus {
    if (this.#closing) return { state: 'closed' };
    if (this.#up) return { state: 'up', detail: this.where };
    if (this.#connection) return { state: 'connecting', detail: this.#lastError ?? this.where };
    return this.#failure === undefined ? { state: 'down' } : { state: 'down', detail: this.#failure };
  }

  /** Adds a listener; returns a function that removes it. */
  listen(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Opens the connection, retrying with backoff for up to `connectTimeoutMs`; it counts as open once
   * the broker also began a session (Artemis with logins required accepts SASL ANONYMOUS, sends open,
   * then closes with `amqp:unauthorized-access`). Rejects with a {@link ConnectionError} (not
   * retriable, `details.reason` `auth` for a refused login, `tls` for an untrusted server or a refused
   * client certificate) and stops retrying; health is then `down` with the reason. Calling it again
   * while open (or opening) returns the same promise.
   */
  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('amqp1 transport is closed'));
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    const { host, port, virtualHost } = this.#endpoint;
    const o = this.#options;
    const containerId = o.containerId ?? `polybus-${rhea.generate_uuid()}`;
    const options = {
      host,
      port,
      hostname: virtualHost ?? host,
      container_id: containerId,
      ...amqp1SecurityOptions(this.#endpoint, o), // SASL and TLS; a ConfigError rejects connect()
      reconnect: true,
      initial_reconnect_delay: o.initialReconnectDelayMs,
      max_reconnect_delay: o.maxReconnectDelayMs,
      idle_time_out: o.idleTimeoutMs,
      max_frame_size: o.maxFrameSize,
      // every remote close is worth a reconnect except a refused login
      all_errors_non_fatal: true,
    } as ConnectionOptions;
    // a container of our own: rhea emits unhandled link errors on the container, so it needs a listener
    const container = rhea.create_container({ id: containerId });
    container.on('error', (error: unknown) =>
      this.#logger.debug({ err: error, broker: this.where }, 'amqp1: unhandled link error'),
    );
    const connection = container.create_connection(options);
    this.#connection = connection;
    connection.on('connection_open', () => {
      const reconnected = this.#epoch > 0;
      this.#up = true;
      this.#lastError = undefined;
      if (reconnected) {
        this.#logger.info({ broker: this.where, epoch: this.#epoch }, 'amqp1: reconnected');
        for (const l of this.#listeners) l.onReconnected?.(this.#epoch);
      }
    });
    connection.on('disconnected', (context: EventContext) => this.#lost(context.error));
    connection.on('connection_error', (context: EventContext) => {
      this.#lastError = fromAmqp1Error(context.connection.error, 'connect', `amqp1 ${this.where}`).message;
    });
    // errors of links without their own listener (never crash the process on an 'error' event)
    connection.on('error', (error: unknown) =>
      this.#logger.debug({ err: error, broker: this.where }, 'amqp1: connection error'),
    );
    connection.on('protocol_error', (error: unknown) =>
      this.#logger.warn({ err: error, broker: this.where }, 'amqp1: protocol error'),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(
          new TimeoutError(
            `amqp1: could not connect to ${this.where} within ${o.connectTimeoutMs} ms${this.#lastError ? ` (${this.#lastError})` : ''}`,
          ),
        );
      }, o.connectTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        connection.removeListener('connection_open', opened);
        connection.removeListener('connection_close', closed);
        connection.removeListener('disconnected', lost);
        defaultSession(connection).observers.removeListener('session_open', established);
      };
      const fail = (error: Error): void => {
        done();
        this.#up = false; // an open the broker closed again at once is no lost connection
        this.#abort(connection);
        if (this.#connection === connection) this.#connection = undefined;
        const failure = amqp1ConnectFailure(error, isLoginRefused(connection));
        this.#failure = failure.message;
        reject(failure);
      };
      const opened = (): void => {
        // the broker's begin proves it kept the connection: a refused login closes it first
        defaultSession(connection).observers.once('session_open', established);
      };
      const established = (): void => {
        done();
        this.#failure = undefined;
        resolve();
      };
      const closed = (): void => {
        if (isLoginRefused(connection))
          fail(
            fromAmqp1Error(connection.get_error?.(), 'connect', `amqp1: could not connect to ${this.where}`),
          );
      };
      const lost = (context: EventContext): void => {
        // rhea retries unless the failure is fatal (a refused login: sasl failure, no reconnect); an
        // untrusted server certificate or a refused client certificate does not go away by retrying
        const refused = tlsRefusal(this.where, context.error);
        if (refused !== undefined) fail(refused);
        else if (context.reconnecting !== true)
          fail(
            fromAmqp1Error(
              connection.get_error?.() ?? context.error,
              'connect',
              `amqp1: could not connect to ${this.where}`,
            ),
          );
      };
      connection.on('connection_open', opened);
      connection.on('connection_close', closed);
      connection.on('disconnected', lost);
      connection.connect();
    });
    this.#logger.debug({ broker: this.where }, 'amqp1: connected');
  }

  #lost(error: unknown): void {
    const wasUp = this.#up;
    this.#up = false;
    if (error !== undefined)
      this.#lastError = fromAmqp1Error(error, 'connect', `amqp1 ${this.where}`).message;
    if (!wasUp) return;
    const ended = this.#epoch++;
    if (!this.#closing)
      this.#logger.warn(
        { broker: this.where, error: this.#lastError },
        'amqp1: connection lost, reconnecting',
      );
    for (const l of this.#listeners) l.onDisconnected?.(ended, error);
  }

  /** The rhea connection; throws {@link ClosedError} / {@link ConnectionError} when there is none. */
  #current(): RheaConnection {
    if (this.#closing) throw new ClosedError('amqp1 transport is closed');
    if (!this.#connection) throw new ConnectionError(`amqp1: not connected to ${this.where}`);
    return this.#connection;
  }

  /**
   * Attaches a sending link and resolves once the broker attached it too. Rejects with a PolybusError
   * (from the broker's detach error, or a {@link TimeoutError}); the half-open link is then closed.
   */
  openSender(options: SenderOptions): Promise<Sender> {
    const sender = this.#current().open_sender(options);
    return this.#attached(sender, 'sender', describeTerminus(options.target));
  }

  /** Like {@link openSender}, for a receiving link. */
  openReceiver(options: ReceiverOptions): Promise<Receiver> {
    const receiver = this.#current().open_receiver(options);
    return this.#attached(receiver, 'receiver', describeTerminus(options.source));
  }

  #attached<L extends Sender | Receiver>(link: L, kind: 'sender' | 'receiver', address: string): Promise<L> {
    return new Promise<L>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        link.close();
        reject(
          new TimeoutError(
            `amqp1: attaching a ${kind} on ${address} took longer than ${this.#options.attachTimeoutMs} ms`,
          ),
        );
      }, this.#options.attachTimeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        link.removeListener(`${kind}_open`, opened);
        link.removeListener(`${kind}_error`, failed);
      };
      const opened = (): void => {
        cleanup();
        // a broker refusing an attach sends attach (with a null terminus) then detach with the error
        const remote = kind === 'sender' ? link.target : link.source;
        if (remote === undefined || remote === null) {
          link.once(`${kind}_error`, failed);
          return;
        }
        resolve(link);
      };
      const failed = (context: EventContext): void => {
        cleanup();
        const error = (kind === 'sender' ? context.sender : context.receiver)?.error;
        reject(fromAmqp1Error(error, 'attach', `amqp1: the broker refused a ${kind} on ${address}`));
      };
      link.on(`${kind}_open`, opened);
      link.on(`${kind}_error`, failed);
    });
  }

  /** Closes the connection (waits up to `timeoutMs` for the broker's close). Safe twice; never rejects. */
  close(timeoutMs = 5_000): Promise<void> {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    const wasUp = this.#up;
    this.#up = false;
    if (wasUp) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        connection.once('connection_close', done);
        connection.once('disconnected', done);
        stopReconnecting(connection);
        connection.close();
      });
    }
    this.#abort(connection);
    for (const l of this.#listeners)
      l.onDisconnected?.(this.#epoch++, new ClosedError('amqp1 transport is closed'));
  }

  /** Stops a connection for good: no reconnect, socket gone. */
  #abort(connection: RheaConnection): void {
    stopReconnecting(connection);
    const internal = connection as unknown as {
      scheduled_reconnect?: NodeJS.Timeout;
      socket?: { destroy(): void };
    };
    if (internal.scheduled_reconnect !== undefined) clearTimeout(internal.scheduled_reconnect);
    internal.scheduled_reconnect = undefined;
    internal.socket?.destroy();
  }
}

/** rhea has `set_reconnect` on connections but not in its typings. */
function stopReconnecting(connection: RheaConnection): void {
  (connection as unknown as { set_reconnect(reconnect: boolean): void }).set_reconnect(false);
}

/**
 * The session rhea opens links on (its `session_policy`, not in its typings): created and begun on
 * first use, kept across reconnects. Its `observers` see every session event.
 */
function defaultSession(connection: RheaConnection): { observers: NodeJS.EventEmitter } {
  const internal = connection as unknown as {
    session_policy: { get_session(): { observers: NodeJS.EventEmitter } };
  };
  return internal.session_policy.get_session();
}

function isLoginRefused(connection: RheaConnection): boolean {
  const error = connection.get_error?.() as { condition?: unknown } | undefined;
  return error?.condition === 'amqp:unauthorized-access';
}

function describeTerminus(terminus: unknown): string {
  if (typeof terminus === 'string') return terminus;
  if (typeof terminus === 'object' && terminus !== null && 'address' in terminus) {
    return String((terminus as { address?: unknown }).address);
  }
  return '(anonymous)';
}
