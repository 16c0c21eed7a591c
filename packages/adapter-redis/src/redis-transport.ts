// Over 300 lines: one Transport class that also implements LagReporter and MessageReader; each method is
// short and delegates to its subscription, lag and reader modules.
import {
  type Address,
  AddressError,
  AT_MOST_ONCE,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  type DeliveryHandler,
  describeAddress,
  type HealthStatus,
  type LagReport,
  type LagReporter,
  type Logger,
  type Message,
  type MessageReader,
  MessageTooLargeError,
  PublishError,
  type ReadOptions,
  type ReadRecord,
  redactText,
  type SubscribeOptions,
  type Subscription,
  schemeOf,
  type Transport,
  toPolybusError,
  UnsupportedError,
} from '@polybus/core';
import { withDeadline } from '@polybus/core/adapter-kit';
import type { Redis } from 'ioredis';
import { encodeEnvelope } from './channel-envelope.js';
import { ChannelSubscription } from './channel-subscription.js';
import { parseRedisAddress } from './redis-address.js';
import { closeRedis, connectRedis, createRedis, errorText, uniqueSuffix } from './redis-connection.js';
import type { RedisTransportOptions } from './redis-options.js';
import { encodeEntry } from './stream-entry.js';
import { generatedConsumerName, StreamGroupSubscription } from './stream-group-subscription.js';
import { fetchStreamLag } from './stream-lag.js';
import { readStream } from './stream-reader.js';
import { StreamTailSubscription } from './stream-tail-subscription.js';

/** Capabilities of Redis Streams addresses with the given body limit. */
export function streamCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({
    persistent: true,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: true,
    replay: true,
    headers: true,
    maxMessageBytes,
  });
}

/** Capabilities of Redis Pub/Sub channels (at-most-once) with the given body limit. */
export function channelCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({ ...AT_MOST_ONCE, maxMessageBytes });
}

type AnySubscription = StreamGroupSubscription | StreamTailSubscription | ChannelSubscription;

/**
 * `redis://` / `rediss://`: Redis Streams (the default, at-least-once, consumer groups) and Pub/Sub
 * channels (`{ channel }`, at-most-once) over ioredis. One shared command connection
 * (`<prefix>:cmd:<id>`) publishes, acks and claims; every stream subscription reads on its own
 * blocking connection and every channel subscription listens on its own subscriber connection.
 */
export class RedisTransport implements Transport, LagReporter, MessageReader {
  readonly scheme: string;
  readonly capabilities: Capabilities;
  readonly #channelCapabilities: Capabilities;
  readonly #url: string;
  readonly #options: RedisTransportOptions;
  readonly #logger: Logger;
  #cmd: Redis;
  readonly #subscriptions = new Set<AnySubscription>();
  /** `stream\0group` -> consumer-name indexes in use (for a configured, stable consumer name). */
  readonly #consumerSlots = new Map<string, Set<number>>();
  #connecting: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Creates an unconnected transport; no I/O happens before {@link connect}. */
  constructor(url: string, options: RedisTransportOptions, logger: Logger) {
    this.scheme = schemeOf(url);
    this.#url = url;
    this.#options = options;
    this.#logger = logger;
    this.capabilities = streamCapabilities(options.maxMessageBytes);
    this.#channelCapabilities = channelCapabilities(options.maxChannelMessageBytes);
    this.#cmd = this.#createCommandConnection();
  }

  #createCommandConnection(): Redis {
    const cmd = createRedis(this.#url, this.#options, 'cmd', uniqueSuffix());
    cmd.on('error', (error: unknown) =>
      this.#logger.debug({ err: redactText(errorText(error)) }, 'redis: command connection error'),
    );
    return cmd;
  }

  /** Stream capabilities for streams, at-most-once ones for `{ channel }`; throws AddressError. */
  capabilitiesFor(address: Address): Capabilities {
    return parseRedisAddress(address).kind === 'channel' ? this.#channelCapabilities : this.capabilities;
  }

  /**
   * Opens the command connection. Rejects with a ConnectionError when the first attempt fails (the
   * next call tries again); a no-op while connected. After that, lost connections are re-established
   * in the background with backoff.
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('redis transport is closed'));
    this.#connecting ??= connectRedis(this.#cmd, this.#url).catch((error: unknown) => {
      // Nothing used the failed client yet (subscriptions need a connection): the next call starts afresh.
      this.#connecting = undefined;
      this.#cmd = this.#createCommandConnection();
      throw error;
    });
    return this.#connecting;
  }

  /**
   * XADDs (streams, with `MAXLEN ~` when `maxLen` is set) or PUBLISHes (channels) every message in one
   * pipeline, in order, and resolves once Redis replied to each. Rejects with MessageTooLargeError
   * before sending anything when a body is over the limit, with PublishError when Redis refused an
   * entry (earlier ones may be stored), with ClosedError after close. Safe to call concurrently.
   */
  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closed) throw new ClosedError('redis transport is closed');
    const target = parseRedisAddress(address);
    const limit =
      target.kind === 'stream' ? this.#options.maxMessageBytes : this.#options.maxChannelMessageBytes;
    for (const message of messages) {
      if (message.body.byteLength > limit) {
        throw new MessageTooLargeError(
          `message ${message.id} is ${message.body.byteLength} bytes; redis ${target.kind} "${describeAddress(address)}" accepts at most ${limit}`,
        );
      }
    }
    if (messages.length === 0) return;
    // encoded first: a header the header policy refuses is a DataError before anything is sent
    const encoded = messages.map((m) => (target.kind === 'stream' ? encodeEntry(m) : encodeEnvelope(m)));
    await this.connect();
    const pipeline = this.#cmd.pipeline();
    for (const payload of encoded) {
      if (target.kind === 'stream') {
        const trim = this.#options.maxLen === undefined ? [] : ['MAXLEN', '~', this.#options.maxLen];
        pipeline.call('XADD', target.stream, ...trim, '*', ...(payload as Array<string | Buffer>));
      } else {
        pipeline.publish(target.channel, payload as Buffer);
      }
    }
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await withDeadline(pipeline.exec(), this.#options.commandTimeoutMs, 'publish pipeline');
    } catch (error) {
      throw new PublishError(
        `publish to redis ${describeAddress(address)} failed: ${redactText(errorText(error))}`,
        {
          cause: error,
        },
      );
    }
    if (results === null) throw new PublishError(`publish to redis ${describeAddress(address)} got no reply`);
    results.forEach(([error], i) => {
      if (error) {
        throw new PublishError(
          `publish of message ${messages[i]?.id} to redis ${describeAddress(address)} failed: ${redactText(errorText(error))}`,
          { cause: error, details: { accepted: i } },
        );
      }
    });
  }

  /**
   * Subscribes. Stream + group: a consumer of the group (created on demand at `$`, or `0` for
   * `from: 'earliest'`). Stream without group: a private XREAD tail. `{ channel }`: Pub/Sub
   * (no groups: UnsupportedError; no replay). Resolves once established. Rejects with AddressError,
   * UnsupportedError, ConfigError (bad maxInFlight), ConnectionError or ClosedError.
   */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) throw new ClosedError('redis transport is closed');
    const target = parseRedisAddress(address);
    const maxInFlight = options.maxInFlight ?? 16;
    const from = options.from ?? 'latest';
    if (target.kind === 'channel' && options.group !== undefined) {
      throw new UnsupportedError(
        `redis Pub/Sub channel "${target.channel}" has no consumer groups; use a stream`,
      );
    }
    if (target.kind === 'channel' && from === 'earliest') {
      throw new UnsupportedError(
        `redis Pub/Sub channel "${target.channel}" keeps nothing to replay; use a stream`,
      );
    }
    await this.connect();
    const base = {
      url: this.#url,
      options: this.#options,
      logger: this.#logger,
      address,
      handler,
      maxInFlight,
    };
    const onClosed = (s: AnySubscription): void => {
      this.#subscriptions.delete(s);
    };
    let subscription: AnySubscription;
    try {
      if (target.kind === 'channel') {
        subscription = await ChannelSubscription.open({ ...base, channel: target.channel, onClosed });
      } else if (options.group === undefined) {
        subscription = await StreamTailSubscription.open({
          ...base,
          cmd: this.#cmd,
          stream: target.stream,
          from,
          onClosed,
        });
      } else {
        const { group } = options;
        const slot = this.#takeConsumerSlot(target.stream, group);
        const consumer = slot.name;
        try {
          subscription = await StreamGroupSubscription.open({
            ...base,
            cmd: this.#cmd,
            stream: target.stream,
            group,
            consumer,
            stableConsumer: this.#options.consumerName !== undefined,
            from,
            onClosed: (s) => {
              slot.release();
              onClosed(s);
            },
          });
        } catch (error) {
          slot.release();
          throw error;
        }
      }
    } catch (error) {
      throw toPolybusError(error, `subscribe to redis ${describeAddress(address)} failed`);
    }
    if (this.#closed) {
      await subscription.close({ timeoutMs: 0 });
      throw new ClosedError('redis transport was closed while subscribing');
    }
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * The lag of stream group `group` on a stream address: XINFO GROUPS `lag` (waiting) + `pending`
   * (in flight), Redis 7+ (see {@link fetchStreamLag}). Rejects with AddressError for a channel or
   * without a group, ClosedError after close.
   */
  async lag(address: Address, group?: string): Promise<LagReport> {
    const stream = this.#streamOf(address, 'lag');
    if (group === undefined) throw new AddressError(`redis lag of stream "${stream}" needs a group`);
    try {
      return await withDeadline(
        fetchStreamLag(this.#cmd, stream, group),
        this.#options.commandTimeoutMs,
        'XINFO GROUPS',
      );
    } catch (error) {
      throw toPolybusError(error, `redis: read lag of stream "${stream}"`);
    }
  }

  /**
   * Reads a stream with XRANGE pages up to the last entry captured at the start, consuming nothing
   * (see {@link readStream}); `from` is an entry id (inclusive). Rejects with AddressError for a
   * channel.
   */
  async *read(address: Address, options: ReadOptions = {}): AsyncGenerator<ReadRecord> {
    const stream = this.#streamOf(address, 'read');
    try {
      yield* readStream(this.#cmd, stream, options);
    } catch (error) {
      throw toPolybusError(error, `redis: read stream "${stream}"`);
    }
  }

  #streamOf(address: Address, what: string): string {
    if (this.#closed) throw new ClosedError('redis transport is closed');
    const target = parseRedisAddress(address);
    if (target.kind !== 'stream')
      throw new AddressError(`redis ${what} works on streams; "${target.channel}" is a Pub/Sub channel`);
    return target.stream;
  }

  /** State of the command connection: `up`, `connecting` (reconnecting), `down`, or `closed`. Never throws. */
  health(): HealthStatus {
    if (this.#closed) return { state: 'closed' };
    switch (this.#cmd.status) {
      case 'ready':
        return { state: 'up' };
      case 'wait':
        return { state: 'down', detail: 'not connected yet' };
      case 'end':
        return { state: 'down', detail: 'connection ended' };
      default:
        return { state: 'connecting', detail: `redis connection ${this.#cmd.status}` };
    }
  }

  /**
   * Closes every subscription (see their `close`) with `options`, then the command connection. Safe to
   * call twice; never rejects. Publishing afterwards rejects with ClosedError.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
      await closeRedis(this.#cmd);
    })().catch(() => undefined);
    return this.#closing;
  }

  /**
   * The consumer name of a new group subscription: a unique one, or with `consumerName` set that name
   * for the first subscription of a stream+group on this transport and `<name>-<n>` for further
   * concurrent ones (lowest free n), so a restarted process finds its pending entries again.
   */
  #takeConsumerSlot(stream: string, group: string): { name: string; release(): void } {
    const base = this.#options.consumerName;
    if (base === undefined) return { name: generatedConsumerName(), release: () => undefined };
    const key = `${stream}\0${group}`;
    const used = this.#consumerSlots.get(key) ?? new Set<number>();
    this.#consumerSlots.set(key, used);
    let n = 1;
    while (used.has(n)) n++;
    used.add(n);
    return { name: n === 1 ? base : `${base}-${n}`, release: () => used.delete(n) };
  }
}
