import { randomUUID } from 'node:crypto';
import {
  type Address,
  AddressError,
  backoffDelay,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConnectionError,
  type DeliveryHandler,
  delay,
  type HealthStatus,
  type Logger,
  type Message,
  MessageTooLargeError,
  NotConnectedError,
  once,
  type PolybusError,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from '@polybus/core';
import kafkajs, { type Admin, type Kafka, type Message as KafkaRecordInput, type Producer } from 'kafkajs';
import { GroupCommit } from './group-commit.js';
import { parseKafkaAddress } from './kafka-address.js';
import { mapKafkaError } from './kafka-errors.js';
import { kafkaLogCreator } from './kafka-logger.js';
import type { KafkaTransportOptions } from './kafka-options.js';
import { parseKafkaUrl } from './kafka-options.js';
import { toKafkaRecord } from './kafka-record.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { ProducerSlot } from './producer-slot.js';

const { Kafka: KafkaClient, Partitioners, logLevel } = kafkajs;

/** What every Kafka transport guarantees, apart from `maxMessageBytes` (an option). */
export const KAFKA_CAPABILITIES: Omit<Capabilities, 'maxMessageBytes'> = Object.freeze({
  persistent: true,
  consumerGroups: true,
  orderedPerKey: true,
  nackDelay: true,
  replay: true,
  headers: true,
});

/** Most records in one produce request made of several `publish` calls (see {@link GroupCommit}). */
const MAX_GROUP_RECORDS = 10_000;

/**
 * Bytes a record adds to a produce request, for the group bound: value, key, headers and about 70
 * bytes of record framing (an over-estimate; the broker limits the batch per partition).
 */
function recordBytes(record: KafkaRecordInput): number {
  let bytes = 70 + (record.value === null ? 0 : Buffer.byteLength(record.value as Buffer | string));
  if (typeof record.key === 'string') bytes += Buffer.byteLength(record.key);
  else if (record.key) bytes += record.key.byteLength;
  for (const name in record.headers) {
    const value = record.headers[name];
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (Buffer.isBuffer(value)) bytes += value.byteLength;
    else if (Array.isArray(value)) for (const v of value) bytes += Buffer.byteLength(v);
  }
  return bytes;
}

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
 * `kafka://host:port[,host:port]`: Apache Kafka through kafkajs.
 *
 * Publishing uses one idempotent producer (acks = all, one request in flight, Java-compatible murmur2
 * key partitioning), replaced by a new one after a request of unknown outcome (see
 * {@link ProducerSlot}); `publish` resolves once every record is acknowledged by all in-sync replicas.
 * While a produce request to a topic is in flight, the `publish` calls for that topic wait and then go
 * together as one request (group commit), so concurrent callers share requests instead of queueing
 * one each. Each `subscribe` is one consumer-group member (see
 * {@link KafkaSubscription}). Topics are created on first use when `autoCreateTopics` is on.
 */
export class KafkaTransport implements Transport {
  readonly scheme = 'kafka';
  readonly capabilities: Capabilities;
  readonly #options: KafkaTransportOptions;
  readonly #logger: Logger;
  readonly #kafka: Kafka;
  readonly #producer: ProducerSlot<Producer>;
  readonly #admin: Admin;
  readonly #hooks: KafkaTransportHooks;
  readonly #topics = new Map<string, Promise<number>>();
  readonly #groups = new Map<string, GroupCommit<KafkaRecordInput>>();
  readonly #subscriptions = new Set<KafkaSubscription>();
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closed = false;
  #lastError: string | undefined;
  #recovering: Promise<void> | undefined;
  readonly #closing = new AbortController();

  /** Creates an unconnected transport; throws ConfigError for an invalid URL. Does no I/O. */
  constructor(url: string, options: KafkaTransportOptions, logger: Logger, hooks: KafkaTransportHooks = {}) {
    this.#options = options;
    this.#logger = logger;
    this.#hooks = hooks;
    this.capabilities = Object.freeze({ ...KAFKA_CAPABILITIES, maxMessageBytes: options.maxMessageBytes });
    this.#kafka = new KafkaClient({
      clientId: options.clientId,
      brokers: parseKafkaUrl(url),
      ssl: options.ssl,
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
      logLevel: logLevel.INFO,
      logCreator: kafkaLogCreator(logger),
    });
    this.#producer = new ProducerSlot(() =>
      this.#kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
      }),
    );
    this.#admin = this.#kafka.admin({
      retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
    });
  }

  /** Connects the producer and admin client. Rejects with ConnectionError; a second call is a no-op. */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('kafka transport is closed'));
    this.#connecting ??= (async () => {
      try {
        await this.#admin.connect();
        await this.#producer.acquire();
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
   * for the same topic (group commit: calls made while a request is in flight go in the next one,
   * bounded by `maxMessageBytes` and 10,000 records). Rejects with AddressError (invalid or, without
   * auto-create, unknown topic), MessageTooLargeError (checked per message before any grouping),
   * ConnectionError or BrokerError (retriable as Kafka says); a request shared by several calls that
   * fails with a non-retriable error is sent again call by call, so each call gets its own outcome.
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
    try {
      await this.#topic(topic);
      await this.#groupFor(topic).submit(messages.map(toKafkaRecord));
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

  /** The group commit of `topic` (one per topic, so a group never mixes topics and their errors). */
  #groupFor(topic: string): GroupCommit<KafkaRecordInput> {
    let group = this.#groups.get(topic);
    if (group === undefined) {
      group = new GroupCommit<KafkaRecordInput>({
        send: async (records) => {
          const producer = await this.#producer.acquire();
          try {
            await producer.send({ topic, acks: -1, messages: records as KafkaRecordInput[] });
          } catch (error) {
            // The broker may have stored what it did not confirm: a producer that went on would reuse
            // its sequence numbers (see ProducerSlot). A request the broker refused as data did not.
            const mapped = this.#publishError(topic, error);
            if (!(mapped instanceof MessageTooLargeError || mapped instanceof AddressError)) {
              this.#producer.renew(producer);
              this.#logger.warn(
                { topic, renewals: this.#producer.renewals, err: mapped.message },
                'kafka produce request failed with unknown outcome; publishing with a new producer id',
              );
            }
            throw error;
          }
        },
        bytes: recordBytes,
        maxBytes: this.#options.maxMessageBytes,
        maxCount: MAX_GROUP_RECORDS,
        // A data error (a record the broker refuses) may be one call's; a lost connection is everyone's.
        isolate: (error) => !this.#publishError(topic, error).retriable,
      });
      this.#groups.set(topic, group);
    }
    return group;
  }

  /**
   * Records a lost connection and probes the cluster in the background (backoff) until it answers, so
   * `health()` returns to `up` by itself. kafkajs reconnects only when a request is made; without the
   * probe, `connecting` would last until the next successful publish, and a caller that waits for
   * `up` before publishing (the bridge does) would wait forever.
   */
  #connectionLost(detail: string): void {
    this.#lastError = detail;
    this.#recovering ??= (async () => {
      try {
        for (let attempt = 1; !this.#closed && this.#lastError !== undefined; attempt++) {
          await delay(
            backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 5_000 }),
            this.#closing.signal,
          );
          if (this.#closed) break;
          try {
            await this.#admin.describeCluster();
            this.#lastError = undefined;
          } catch {
            // still unreachable: try again after the next delay
          }
        }
      } finally {
        // Cleared in the same step as the loop's last check, not in a later .finally(): a loss
        // reported in between would otherwise find a probe that is ending and start none.
        this.#recovering = undefined;
      }
    })();
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
    const partitionCount = await this.#topic(topic);
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

  /** `closed` after close, `down` before connect, `connecting` after a connection failure, else `up`. */
  health(): HealthStatus {
    if (this.#closed) return { state: 'closed' };
    if (!this.#connected)
      return this.#lastError ? { state: 'down', detail: this.#lastError } : { state: 'down' };
    if (this.#lastError) {
      // A lost connection is always being probed; should a probe have ended with the loss still
      // recorded, start another, so `connecting` can never outlive the outage.
      if (this.#recovering === undefined) this.#connectionLost(this.#lastError);
      return { state: 'connecting', detail: this.#lastError };
    }
    return { state: 'up' };
  }

  /** Closes every subscription (draining, committing) and then the producer and admin client. Safe twice. */
  readonly close = once(async (options: CloseOptions = {}): Promise<void> => {
    this.#closed = true;
    this.#closing.abort();
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    await this.#producer.close();
    await this.#admin.disconnect().catch(() => undefined);
    this.#connected = false;
  });

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('kafka transport is closed');
    if (!this.#connected)
      throw new NotConnectedError('kafka transport is not connected: call connect() first');
  }

  /** Makes sure `topic` exists (creating it when allowed) and returns its partition count; cached. */
  #topic(topic: string): Promise<number> {
    let known = this.#topics.get(topic);
    if (known === undefined) {
      known = this.#loadTopic(topic);
      this.#topics.set(topic, known);
      known.catch(() => this.#topics.delete(topic));
    }
    return known;
  }

  async #loadTopic(topic: string): Promise<number> {
    const context = {
      operation: `look up topic "${topic}"`,
      autoCreateTopics: this.#options.autoCreateTopics,
    };
    try {
      // listTopics never auto-creates (a metadata request for one topic would, on default brokers).
      const existing = await this.#admin.listTopics();
      if (!existing.includes(topic)) {
        if (!this.#options.autoCreateTopics) {
          throw new AddressError(`kafka topic "${topic}" does not exist and autoCreateTopics is off`);
        }
        await this.#admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions: this.#options.topicPartitions,
              replicationFactor: this.#options.replicationFactor,
            },
          ],
        });
      }
      const metadata = await this.#admin.fetchTopicMetadata({ topics: [topic] });
      return metadata.topics[0]?.partitions.length ?? 1;
    } catch (error) {
      throw mapKafkaError(error, context);
    }
  }
}
