// Over 300 lines (barely): one Transport class that also implements LagReporter and MessageReader;
// publishing, topics, lag and reading live in their own modules.
import { randomUUID } from 'node:crypto';
import {
  type Address,
  AddressError,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConnectionError,
  type DeliveryHandler,
  type HealthStatus,
  type LagReport,
  type LagReporter,
  type Logger,
  type Message,
  type MessageReader,
  MessageTooLargeError,
  NotConnectedError,
  type PolybusError,
  type ReadOptions,
  type ReadRecord,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { once, RecoveryProbe } from '@polybus/core/adapter-kit';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { parseKafkaAddress } from './kafka-address.js';
import { mapKafkaError } from './kafka-errors.js';
import { fetchKafkaLag } from './kafka-lag.js';
import { kafkaLogCreator } from './kafka-logger.js';
import type { KafkaTransportOptions } from './kafka-options.js';
import { parseKafkaUrl } from './kafka-options.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { readKafkaTopic } from './kafka-reader.js';
import { toKafkaRecord } from './kafka-record.js';
import { kafkaSaslOptions, kafkaTlsOptions } from './kafka-security.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { TopicCatalog } from './topic-catalog.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** What every Kafka transport guarantees, apart from `maxMessageBytes` (an option). */
export const KAFKA_CAPABILITIES: Omit<Capabilities, 'maxMessageBytes'> = Object.freeze({
  persistent: true,
  consumerGroups: true,
  orderedPerKey: true,
  nackDelay: true,
  replay: true,
  headers: true,
});

/** Test hooks of a {@link KafkaTransport}; not part of the stable API. */
export interface KafkaTransportHooks {
  /** Called after each successful offset commit of any subscription of this transport. */
  onCommit?: (info: {
    topic: string;
    groupId: string;
    commits: ReadonlyArray<{ partition: number; offset: string }>;
  }) => void;
}

/**
 * `kafka://host:port[,host:port]` (`kafkas://` for TLS): Apache Kafka through kafkajs, optionally with
 * TLS (`tls`) and SASL PLAIN / SCRAM (`sasl`).
 *
 * Publishing uses one idempotent producer (acks = all, one request in flight, Java-compatible murmur2
 * key partitioning), replaced by a new one after a request of unknown outcome (see
 * {@link ProducerSlot}); `publish` resolves once every record is acknowledged by all in-sync replicas.
 * While a produce request to a topic is in flight, the `publish` calls for that topic wait and then go
 * together as one request ({@link ProduceCoalescer}), so concurrent callers share requests instead of queueing
 * one each. Each `subscribe` is one consumer-group member (see
 * {@link KafkaSubscription}). Topics are created on first use when `autoCreateTopics` is on.
 */
export class KafkaTransport implements Transport, LagReporter, MessageReader {
  readonly scheme = 'kafka';
  readonly capabilities: Capabilities;
  readonly #options: KafkaTransportOptions;
  readonly #logger: Logger;
  readonly #kafka: Kafka;
  readonly #publisher: KafkaPublisher;
  readonly #admin: Admin;
  readonly #hooks: KafkaTransportHooks;
  readonly #topics: TopicCatalog;
  readonly #subscriptions = new Set<KafkaSubscription>();
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closed = false;
  #lastError: string | undefined;
  readonly #closing = new AbortController();
  /**
   * Brings health back to `up` after a lost connection: kafkajs reconnects only when a request is
   * made, so without it `connecting` would last until the next successful publish, and a caller that
   * waits for `up` before publishing (the bridge does) would wait forever.
   */
  readonly #recovery = new RecoveryProbe({
    check: async () => {
      await this.#admin.describeCluster();
    },
    onRecovered: () => {
      this.#lastError = undefined;
    },
    signal: this.#closing.signal,
  });

  /**
   * Creates an unconnected transport; throws ConfigError for an invalid URL or an unreadable TLS file
   * (the only I/O: the PEM files named in `tls` are read here, synchronously).
   */
  constructor(url: string, options: KafkaTransportOptions, logger: Logger, hooks: KafkaTransportHooks = {}) {
    this.#options = options;
    this.#logger = logger;
    this.#hooks = hooks;
    this.capabilities = Object.freeze({ ...KAFKA_CAPABILITIES, maxMessageBytes: options.maxMessageBytes });
    this.#kafka = new KafkaClient({
      clientId: options.clientId,
      brokers: parseKafkaUrl(url),
      ssl: kafkaTlsOptions(url, options),
      sasl: kafkaSaslOptions(options),
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
      logLevel: logLevel.INFO,
      logCreator: kafkaLogCreator(logger),
    });
    this.#publisher = new KafkaPublisher(this.#kafka, options, logger);
    this.#admin = this.#kafka.admin({
      retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
    });
    this.#topics = new TopicCatalog(this.#admin, options);
  }

  /** Connects the producer and admin client. Rejects with ConnectionError; a second call is a no-op. */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('kafka transport is closed'));
    this.#connecting ??= (async () => {
      try {
        await this.#admin.connect();
        await this.#publisher.connect();
        this.#connected = true;
        this.#lastError = undefined;
      } catch (error) {
        this.#connecting = undefined;
        const mapped = mapKafkaError(error, {
          operation: 'connect',
          autoCreateTopics: this.#options.autoCreateTopics,
        });
        this.#lastError = mapped.message;
        throw mapped instanceof ConnectionError
          ? mapped
          : new ConnectionError(mapped.message, { cause: error });
      }
    })();
    return this.#connecting;
  }

  /**
   * Sends `messages` to the topic and resolves once all are acknowledged with acks = all. The call's
   * records stay together and in order in one produce request, possibly shared with concurrent calls
   * for the same topic (calls made while a request is in flight go in the next one, bounded by
   * `maxMessageBytes` and 10,000 records). Rejects with AddressError (invalid or, without
   * auto-create, unknown topic), MessageTooLargeError (checked per message before any grouping),
   * DataError (a record the broker refused), ConnectionError or BrokerError (retriable as Kafka says);
   * a request shared by several calls that fails with a message fault (`isMessageFault`) is sent again
   * call by call, so each call gets its own outcome. `maxMessageBytes` is checked here only.
   * After a rejection some records may be stored (publish again: at-least-once). Safe concurrently.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    this.#assertOpen();
    const { topic } = parseKafkaAddress(address);
    for (const message of messages) {
      if (message.body.byteLength > this.#options.maxMessageBytes) {
        throw new MessageTooLargeError(
          `message ${message.id} is ${message.body.byteLength} bytes; kafka topic "${topic}" accepts at most ${this.#options.maxMessageBytes} (option maxMessageBytes)`,
        );
      }
    }
    if (messages.length === 0) return;
    const records = messages.map(toKafkaRecord); // a DataError (header policy) before anything is sent
    try {
      await this.#topics.ensure(topic);
      await this.#publisher.send(topic, records);
      this.#lastError = undefined;
    } catch (error) {
      const mapped = this.#publishError(topic, error);
      if (mapped instanceof ConnectionError) this.#connectionLost(mapped.message);
      throw mapped;
    }
  }

  #publishError(topic: string, error: unknown): PolybusError {
    return mapKafkaError(error, {
      operation: `publish to "${topic}"`,
      autoCreateTopics: this.#options.autoCreateTopics,
    });
  }

  /** Records a lost connection; the recovery probe (one at a time) clears it once the cluster answers. */
  #connectionLost(detail: string): void {
    this.#lastError = detail;
    void this.#recovery.start();
  }

  /**
   * Joins the group (`options.group`, or a private random group removed on close) and resolves once
   * partitions are assigned; a new group starts at the end of the log (`latest`) or its start
   * (`earliest`). Rejects with AddressError, ConnectionError or TimeoutError.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.#assertOpen();
    const { topic } = parseKafkaAddress(address);
    const partitionCount = await this.#topics.ensure(topic);
    const groupId = options.group ?? `polybus-ephemeral-${randomUUID()}`;
    const subscription = new KafkaSubscription({
      kafka: this.#kafka,
      admin: this.#admin,
      topic,
      partitionCount,
      address,
      groupId,
      group: options.group,
      handler,
      maxInFlight: options.maxInFlight ?? 16,
      from: options.from ?? 'latest',
      options: this.#options,
      logger: this.#logger,
      onClosed: (s) => this.#subscriptions.delete(s),
      onCommit: (commits) => this.#hooks.onCommit?.({ topic, groupId, commits }),
    });
    this.#subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      throw mapKafkaError(error, {
        operation: `subscribe to "${topic}"`,
        autoCreateTopics: this.#options.autoCreateTopics,
      });
    }
    return subscription;
  }

  /**
   * The lag of `group` on the topic: per partition high watermark minus committed offset (see
   * {@link fetchKafkaLag}); two admin requests. Rejects with AddressError without a group.
   */
  async lag(address: Address, group?: string): Promise<LagReport> {
    this.#assertOpen();
    const { topic } = parseKafkaAddress(address);
    if (group === undefined) throw new AddressError(`kafka lag of "${topic}" needs a group`);
    await this.#topics.requireExisting(topic);
    try {
      return await fetchKafkaLag(this.#admin, topic, group);
    } catch (error) {
      throw mapKafkaError(error, { operation: `read lag of "${topic}"`, autoCreateTopics: false });
    }
  }

  /**
   * Reads the topic without consuming it (a throwaway group that never commits; see
   * {@link readKafkaTopic}) up to the high watermarks captured at the start. `from` is an offset for
   * every partition or `"<partition>:<offset>"` pairs joined by commas.
   */
  async *read(address: Address, options: ReadOptions = {}): AsyncGenerator<ReadRecord> {
    this.#assertOpen();
    const { topic } = parseKafkaAddress(address);
    await this.#topics.requireExisting(topic);
    try {
      yield* readKafkaTopic(this.#kafka, this.#admin, topic, options);
    } catch (error) {
      throw mapKafkaError(error, { operation: `read "${topic}"`, autoCreateTopics: false });
    }
  }

  /** `closed` after close, `down` before connect, `connecting` after a connection failure, else `up`. */
  health(): HealthStatus {
    if (this.#closed) return { state: 'closed' };
    if (!this.#connected)
      return this.#lastError ? { state: 'down', detail: this.#lastError } : { state: 'down' };
    if (this.#lastError) {
      // A lost connection is always being probed; should a probe have ended with the loss still
      // recorded, start another, so `connecting` can never outlive the outage.
      void this.#recovery.start();
      return { state: 'connecting', detail: this.#lastError };
    }
    return { state: 'up' };
  }

  /** Closes every subscription (draining, committing) and then the producer and admin client. Safe twice. */
  readonly close = once(async (options: CloseOptions = {}): Promise<void> => {
    this.#closed = true;
    this.#closing.abort();
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    await this.#publisher.close();
    await this.#admin.disconnect().catch(() => undefined);
    this.#connected = false;
  });

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('kafka transport is closed');
    if (!this.#connected)
      throw new NotConnectedError('kafka transport is not connected: call connect() first');
  }
}
