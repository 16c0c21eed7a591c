import {
  ClosedError,
  isPolybusError,
  type Logger,
  NotConnectedError,
  redactText,
  TimeoutError,
} from '@polybus/core';
import { backoffDelay, delay } from '@polybus/core/adapter-kit';
import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import type { AmqpTransportOptions } from './amqp-options.js';
import { amqpConnectFailure, amqpDialSettings, isPermanentConnectFailure } from './amqp-security.js';

/** Connection state, as `health()` reports it (`idle`: `open()` not called yet). */
export type ConnectionState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';

/** Notified when the connection comes up again after a loss, and when it is lost. */
export interface ConnectionListener {
  /** The connection is lost: every channel on it is dead. Called synchronously, once per loss. */
  onDisconnected(): void;
  /** A new connection is up (after a loss). */
  onConnected(connection: ChannelModel): void;
}

/**
 * One AMQP connection that reconnects by itself: after a loss it retries with backoff until it is
 * up again or closed, and tells its listeners. Channels are the owners' business. Not thread-safe in
 * any interesting sense (single event loop): every method may be called at any time.
 */
export class AmqpConnection {
  readonly #url: string;
  readonly #options: AmqpTransportOptions;
  readonly #logger: Logger;
  readonly #listeners = new Set<ConnectionListener>();
  readonly #stop = new AbortController();
  #state: ConnectionState = 'idle';
  #detail: string | undefined;
  #current: ChannelModel | undefined;
  #opening: Promise<void> | undefined;
  #waiters = new Set<{ resolve: (c: ChannelModel) => void; reject: (e: Error) => void }>();

  constructor(url: string, options: AmqpTransportOptions, logger: Logger) {
    this.#url = url;
    this.#options = options;
    this.#logger = logger;
  }

  /** Current state (cheap). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Last connection error, redacted. */
  get detail(): string | undefined {
    return this.#detail;
  }

  /** The live connection, or undefined while down. */
  get current(): ChannelModel | undefined {
    return this.#current;
  }

  /** Registers a listener; returns the function that removes it. */
  listen(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Opens the first connection, trying `connectAttempts` times with backoff; rejects with a
   * {@link ConnectionError} after the last failure (the state is then `down`). A second call while
   * opening returns the same promise; while up or reconnecting after a loss it resolves at once;
   * after `down` it tries again.
   */
  open(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new ClosedError('amqp transport is closed'));
    if (this.#state === 'up') return Promise.resolve();
    // Reconnecting after a loss: the reconnect loop is on it, operations wait for it.
    if (this.#state === 'connecting' && this.#opening === undefined) return Promise.resolve();
    this.#opening ??= this.#openFirst().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #openFirst(): Promise<void> {
    this.#state = 'connecting';
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#options.connectAttempts; attempt++) {
      if (attempt > 1) await delay(backoffDelay(attempt - 1, this.#options.reconnect), this.#stop.signal);
      if (this.#stop.signal.aborted) throw new ClosedError('amqp transport is closed');
      try {
        this.#adopt(await this.#dial());
        return;
      } catch (error) {
        lastError = error;
        this.#detail = describe(error);
        this.#logger.warn({ attempt, err: this.#detail }, 'amqp: connect failed');
        // A config problem, a refused login or an untrusted certificate: trying again will not help.
        if (isPolybusError(error) || isPermanentConnectFailure(error)) break;
      }
    }
    if ((this.#state as ConnectionState) !== 'closed') this.#state = 'down';
    if (isPolybusError(lastError)) throw lastError;
    throw amqpConnectFailure(this.#url, this.#detail ?? 'unknown error', lastError);
  }

  /**
   * Resolves with the live connection, waiting during a reconnect for at most `timeoutMs`. Rejects
   * with {@link TimeoutError} when the wait times out, {@link NotConnectedError} when not connected and
   * not trying (`idle` / `down`), {@link ClosedError} after `close()`.
   */
  whenUp(timeoutMs: number): Promise<ChannelModel> {
    if (this.#current && this.#state === 'up') return Promise.resolve(this.#current);
    if (this.#state === 'closed') return Promise.reject(new ClosedError('amqp transport is closed'));
    if (this.#state !== 'connecting') {
      return Promise.reject(
        new NotConnectedError(`amqp transport is not connected (${this.#state}); call connect()`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (c: ChannelModel) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new TimeoutError(
            `amqp connection not back within ${timeoutMs} ms (${this.#detail ?? 'reconnecting'})`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async #dial(): Promise<ChannelModel> {
    // Re-read on every dial: rotated certificates and password files are picked up on reconnect.
    const { url, socketOptions } = amqpDialSettings(this.#url, this.#options);
    return amqpConnect(url, socketOptions);
  }

  #adopt(connection: ChannelModel): void {
    if (this.#state === 'closed') {
      void connection.close().catch(() => undefined);
      throw new ClosedError('amqp transport is closed');
    }
    connection.on('error', (error: unknown) => {
      this.#detail = describe(error);
      this.#logger.warn({ err: this.#detail }, 'amqp: connection error');
    });
    connection.on('blocked', (reason: unknown) =>
      this.#logger.warn({ reason: String(reason) }, 'amqp: broker blocked publishing (resource alarm)'),
    );
    connection.once('close', () => this.#lost(connection));
    this.#current = connection;
    this.#state = 'up';
    this.#detail = undefined;
    for (const waiter of this.#waiters) waiter.resolve(connection);
    this.#waiters.clear();
  }

  #lost(connection: ChannelModel): void {
    if (this.#current !== connection) return;
    this.#current = undefined;
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    this.#logger.warn({ err: this.#detail }, 'amqp: connection lost, reconnecting');
    for (const listener of this.#listeners) listener.onDisconnected();
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 1; !this.#stop.signal.aborted; attempt++) {
      await delay(backoffDelay(attempt, this.#options.reconnect), this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      let connection: ChannelModel;
      try {
        connection = await this.#dial();
      } catch (error) {
        this.#detail = describe(error);
        this.#logger.debug({ attempt, err: this.#detail }, 'amqp: reconnect failed');
        continue;
      }
      try {
        this.#adopt(connection);
      } catch {
        return;
      }
      this.#logger.info({ attempt }, 'amqp: reconnected');
      for (const listener of this.#listeners) listener.onConnected(connection);
      return;
    }
  }

  /** Stops reconnecting and closes the connection. Safe to call twice; never rejects. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stop.abort();
    for (const waiter of this.#waiters) waiter.reject(new ClosedError('amqp transport is closed'));
    this.#waiters.clear();
    const connection = this.#current;
    this.#current = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }
}

/** A driver error as safe text (credentials redacted). */
export function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}
