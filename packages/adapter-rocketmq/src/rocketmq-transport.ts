// Over 300 lines (barely): one Transport class (connect with its reachability probe, publish, subscribe,
// health, close) around one producer and its health state; errors, addresses, options, the credential
// probe and the subscription live in their own modules.
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import {
  type Address,
  AddressError,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConfigError,
  ConnectionError,
  type DeliveryHandler,
  type HealthStatus,
  type Logger,
  type Message,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { RecoveryProbe } from '@polybus/core/adapter-kit';
import { Producer, type SessionCredentials, SimpleConsumer } from 'rocketmq-client-nodejs';
import { clientLogger } from './client-logger.js';
import { probeCredentials } from './credential-probe.js';
import { filterExpressionOf, parsePublishAddress, parseRocketmqAddress } from './rocketmq-address.js';
import { SimpleReceivingConsumer } from './rocketmq-consumer.js';
import { fromRocketmqConnectError, fromRocketmqError } from './rocketmq-errors.js';
import { MAX_BODY_BYTES, toRocketmqMessage } from './rocketmq-message.js';
import type { RocketmqTransportOptions } from './rocketmq-options.js';
import { RocketmqSubscription } from './rocketmq-subscription.js';
import { parseRocketmqUrl, type RocketmqUrl } from './rocketmq-url.js';

/**
 * What RocketMQ 5 through its proxy guarantees: persistent (a message stays until its group acks it),
 * consumer groups (clustering consumption), nack with a delay (the message's invisible duration),
 * user properties as headers; no per-key order (a normal topic spreads messages over queues, and
 * receive calls of one group run in parallel), no replay (the gRPC API cannot set a new group's start).
 */
export const rocketmqCapabilities: Capabilities = Object.freeze({
  persistent: true,
  consumerGroups: true,
  orderedPerKey: false,
  nackDelay: true,
  replay: false,
  headers: true,
  maxMessageBytes: MAX_BODY_BYTES,
});

/**
 * The client's route refresh (`QueryRoute` for every topic it has used), a method of its `BaseClient`
 * that its typings mark protected.
 */
interface RouteRefresher {
  updateRoutes(): Promise<void>;
}

/** Health detail after a failed connect, by the error's `details.reason`. */
const CONNECT_FAILED = {
  auth: 'connect failed: the proxy refused the credentials',
  tls: 'connect failed: TLS server certificate not trusted',
} as const;

const GROUP = /^[%|a-zA-Z0-9_-]{1,255}$/;

/**
 * A connection to a RocketMQ 5 proxy (gRPC) through the official Node client: one producer for
 * publishing and one SimpleConsumer per subscription. `connect()` checks that the proxy accepts TCP
 * connections and starts the producer; the client reconnects by itself after a proxy restart.
 */
export class RocketmqTransport implements Transport {
  readonly scheme = 'rocketmq';
  readonly capabilities = rocketmqCapabilities;
  readonly #url: RocketmqUrl;
  readonly #options: RocketmqTransportOptions;
  readonly #logger: Logger;
  readonly #credentials: SessionCredentials | undefined;
  readonly #subscriptions = new Set<RocketmqSubscription>();
  #producer: Producer | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #health: HealthStatus = { state: 'down', detail: 'not connected' };
  readonly #stop = new AbortController();
  /** After a lost proxy: asks it for a route until it answers, then health is `up` again. */
  readonly #recovery = new RecoveryProbe({
    check: () => this.#answers(),
    onRecovered: () => {
      if (!this.#closing && this.#producer !== undefined) this.#health = { state: 'up' };
    },
    signal: this.#stop.signal,
  });

  /** Parses the URL and credentials (throws ConfigError, never showing the secret); does no I/O. */
  constructor(url: string, options: RocketmqTransportOptions, logger: Logger) {
    this.#url = parseRocketmqUrl(url);
    this.#options = options;
    this.#logger = logger;
    const accessKey = options.accessKey ?? this.#url.accessKey;
    const accessSecret = options.secretKey ?? this.#url.secretKey;
    if ((accessKey === undefined) !== (accessSecret === undefined)) {
      throw new ConfigError(
        'rocketmq: give both accessKey and secretKey (in the options or the URL), or neither',
      );
    }
    this.#credentials =
      accessKey !== undefined && accessSecret !== undefined ? { accessKey, accessSecret } : undefined;
  }

  /** See {@link Transport.connect}. Safe to call again; rejects with ConnectionError. */
  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('rocketmq transport is closed'));
    this.#connecting ??= this.#connect().catch((error: unknown) => {
      this.#connecting = undefined;
      const reason = (error as { details?: { reason?: unknown } }).details?.reason;
      this.#health = {
        state: 'down',
        detail: CONNECT_FAILED[reason as keyof typeof CONNECT_FAILED] ?? 'connect failed',
      };
      throw error;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.#health = { state: 'connecting' };
    await this.#reachable();
    const producer = new Producer({
      ...this.#clientBase(),
      maxAttempts: this.#options.sendAttempts,
    });
    try {
      await producer.startup();
    } catch (error) {
      throw fromRocketmqConnectError(error, `cannot start a RocketMQ producer on ${this.#url.display}`, {
        tls: this.#url.ssl,
      });
    }
    try {
      await probeCredentials(producer, this.#url.display, this.#options.requestTimeoutMs, {
        tls: this.#url.ssl,
      });
    } catch (error) {
      await producer.shutdown().catch(() => undefined);
      throw error;
    }
    this.#producer = producer;
    this.#health = { state: 'up' };
  }

  /** Resolves when one of the proxy endpoints accepts a TCP connection. */
  async #reachable(): Promise<void> {
    const failures: string[] = [];
    for (const endpoint of this.#url.endpoints.split(';')) {
      const colon = endpoint.lastIndexOf(':');
      const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
      const port = Number(endpoint.slice(colon + 1));
      const ok = await new Promise<boolean>((resolve) => {
        const socket = tcpConnect({ host, port, timeout: this.#options.connectTimeoutMs });
        const done = (result: boolean, why?: string): void => {
          if (why !== undefined) failures.push(`${endpoint}: ${why}`);
          socket.destroy();
          resolve(result);
        };
        socket.once('connect', () => done(true));
        socket.once('timeout', () => done(false, 'timeout'));
        socket.once('error', (error) => done(false, error.message));
      });
      if (ok) return;
    }
    throw new ConnectionError(
      `cannot reach the RocketMQ proxy at ${this.#url.display}: ${failures.join('; ')}`,
    );
  }

  #clientBase() {
    return {
      endpoints: this.#url.endpoints,
      namespace: this.#options.namespace,
      sslEnabled: this.#url.ssl,
      requestTimeout: this.#options.requestTimeoutMs,
      logger: clientLogger(this.#logger),
      ...(this.#credentials === undefined ? {} : { sessionCredentials: this.#credentials }),
    };
  }

  /**
   * Sends every message (up to `publishConcurrency` at a time) and resolves once the proxy answered
   * SEND_OK for each; rejects with the first failure mapped to a PolybusError (others may have been
   * stored: at-least-once). See {@link Transport.publish}.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    const { topic, tag } = parsePublishAddress(address);
    const producer = this.#requireProducer();
    const outgoing = messages.map((m) => toRocketmqMessage(topic, tag, m));
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < outgoing.length) {
        const message = outgoing[next++]!;
        try {
          await producer.send(message);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    const workers = Math.min(this.#options.publishConcurrency, outgoing.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) {
      const error = fromRocketmqError(failure, `publish to ${topic} failed`);
      this.#noteHealth(false, error);
      throw error;
    }
    this.#noteHealth(true);
  }

  /**
   * Health follows the last call that reached, or failed to reach, the proxy. A lost proxy starts the
   * recovery probe: a transport that only publishes makes no calls while its caller waits for `up`
   * (the bridge does), so without the probe it would stay `connecting` after the proxy came back.
   */
  #noteHealth(ok: boolean, error?: Error & { code?: string }): void {
    if (this.#closing || this.#producer === undefined) return;
    if (ok) {
      if (this.#health.state !== 'up') this.#health = { state: 'up' };
    } else if (error?.code === 'CONNECTION_FAILED' || error?.code === 'TIMEOUT') {
      this.#health = { state: 'connecting', detail: 'the proxy does not answer' };
      void this.#recovery.start();
    }
  }

  /**
   * Resolves once the proxy accepts TCP and answers a route query on the producer's own gRPC channel
   * (so a channel still in its reconnect backoff does not count as recovered).
   */
  async #answers(): Promise<void> {
    await this.#reachable();
    const producer = this.#producer as unknown as RouteRefresher | undefined;
    await producer?.updateRoutes();
  }

  #requireProducer(): Producer {
    if (this.#closing) throw new ClosedError('rocketmq transport is closed');
    if (this.#producer === undefined)
      throw new ConnectionError('rocketmq transport is not connected', { retriable: true });
    return this.#producer;
  }

  /**
   * Starts a SimpleConsumer of the group (a private `polybus-<uuid>` group without one) on the topic
   * with the address's tag filter. Rejects with AddressError when the topic does not exist.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const parsed = parseRocketmqAddress(address);
    this.#requireProducer();
    if (options.group !== undefined && !GROUP.test(options.group)) {
      throw new AddressError(
        `invalid RocketMQ consumer group "${options.group}": letters, digits, %, |, _ and - only (at most 255)`,
      );
    }
    if (options.from === 'earliest') {
      throw new AddressError("rocketmq cannot start a new group at the earliest message (from: 'earliest')");
    }
    const group = options.group ?? `polybus-${randomUUID()}`;
    const consumer = new SimpleConsumer({
      ...this.#clientBase(),
      consumerGroup: group,
      subscriptions: new Map([[parsed.topic, filterExpressionOf(parsed)]]),
      awaitDuration: this.#options.pollWaitMs,
    });
    try {
      await consumer.startup();
    } catch (error) {
      await consumer.shutdown().catch(() => undefined);
      throw fromRocketmqError(error, `subscribe to ${parsed.topic} failed`);
    }
    const subscription = new RocketmqSubscription({
      consumer: new SimpleReceivingConsumer(consumer, group, this.#options.requestTimeoutMs),
      address,
      group: options.group,
      handler,
      maxInFlight: options.maxInFlight ?? 16,
      invisibleDurationMs: this.#options.invisibleDurationMs,
      receiveBatch: this.#options.receiveBatch,
      logger: this.#logger,
      onEnd: (s) => this.#subscriptions.delete(s),
      onReceive: (ok, error) => this.#noteHealth(ok, error),
    });
    this.#subscriptions.add(subscription);
    await subscription.start(this.#options.subscribeSettleMs);
    return subscription;
  }

  health(): HealthStatus {
    if (this.#closing) return { state: 'closed' };
    // `connecting` is always being probed (should a probe have ended with the loss still recorded)
    if (this.#health.state === 'connecting' && !this.#recovery.running) void this.#recovery.start();
    return this.#health;
  }

  /** See {@link Transport.close}. Safe to call twice. */
  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options?: CloseOptions): Promise<void> {
    this.#stop.abort();
    await this.#connecting?.catch(() => undefined);
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    const producer = this.#producer;
    this.#producer = undefined;
    await producer
      ?.shutdown()
      .catch((error: unknown) =>
        this.#logger.debug(
          { err: fromRocketmqError(error, 'shutdown').message },
          'rocketmq producer shutdown failed',
        ),
      );
  }
}
