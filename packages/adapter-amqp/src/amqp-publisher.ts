// Over 300 lines (barely): one publisher with its per-message preparation (header mapping, size check)
// and its confirm-channel lifecycle (open, exchange check, reset, close), which share the channel state;
// confirm batching and ordered writes already live in their own modules.
import {
  AddressError,
  bodyBuffer,
  type Logger,
  type Message,
  MessageTooLargeError,
  type PublishSettled,
  TimeoutError,
  toPolybusError,
  UnroutableError,
} from '@polybus/core';
import type { ChannelModel } from 'amqplib';
import type { AmqpTarget } from './amqp-address.js';
import type { AmqpConnection } from './amqp-connection.js';
import { describe } from './amqp-connection.js';
import type { AmqpTransportOptions } from './amqp-options.js';
import { ConfirmBatch } from './confirm-batch.js';
import { type AmqpPublishProperties, toAmqpProperties } from './header-mapping.js';
import { OrderedWrites, type WriteStep } from './ordered-writes.js';
import { channelError, describeTarget, type PublishChannel, waitForDrain } from './publish-channel.js';
import { routeOf } from './publish-route.js';

/** The properties of one publish plus amqplib's `mandatory` flag (set per route, on our own object). */
type PublishOptions = AmqpPublishProperties & { mandatory?: boolean };

/** A message ready for the wire: its AMQP properties are built (and checked) before sending. */
interface Prepared {
  readonly message: Message;
  readonly properties: PublishOptions;
}

/**
 * Publishes on one confirm channel per connection, opened on first use and reopened after a channel
 * error (e.g. 404 for a missing exchange) or a reconnect. Subscriptions never share it, so a publish
 * error never closes a consumer. Safe to call concurrently.
 *
 * Pipelined: a publish writes its messages at once (synchronously when the channel is open and the
 * target declared) and each message is settled by its own confirm, so any number of publishes are
 * outstanding at a time — the caller's in-flight bound is the only bound. Writes go out strictly in
 * call order ({@link OrderedWrites}): a publish that has to wait (socket backpressure, a channel being
 * opened, an exchange being checked) holds back the ones after it.
 */
export class AmqpPublisher {
  readonly #connection: AmqpConnection;
  readonly #options: AmqpTransportOptions;
  readonly #logger: Logger;
  readonly #writes = new OrderedWrites();
  #current: PublishChannel | undefined;
  #opening: Promise<PublishChannel> | undefined;

  constructor(connection: AmqpConnection, options: AmqpTransportOptions, logger: Logger) {
    this.#connection = connection;
    this.#options = options;
    this.#logger = logger;
  }

  /**
   * Publishes `messages` in order to `target` and resolves once the broker confirmed every one.
   * Rejects with MessageTooLargeError / DataError before sending anything, with UnroutableError for a
   * mandatory message no queue took, AddressError when the exchange does not exist, PublishError on a
   * broker nack, NotConnectedError when the channel or connection died before the confirm, and
   * TimeoutError after `publishTimeoutMs` (waiting for a connection included).
   */
  publish(target: AmqpTarget, messages: readonly Message[]): Promise<void> {
    let prepared: Prepared[];
    try {
      prepared = messages.map((message) => this.#prepare(message));
    } catch (error) {
      return Promise.reject(error);
    }
    if (prepared.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let open = prepared.length;
      this.#start(target, prepared, (_index, error) => {
        if (open <= 0) return;
        if (error !== undefined) {
          open = 0;
          reject(error);
        } else if (--open === 0) resolve();
      });
    });
  }

  /**
   * Publishes `messages` in order to `target` and calls `settled(i, error)` once per message as its
   * confirm arrives (see core's `StreamingPublisher`): a message that is too large or has bad
   * properties fails alone without being sent; UnroutableError, AddressError, PublishError,
   * NotConnectedError and TimeoutError as {@link publish} rejects with them. Never throws.
   */
  publishEach(target: AmqpTarget, messages: readonly Message[], settled: PublishSettled): void {
    const prepared: Array<Prepared | undefined> = [];
    const faults: Array<[number, unknown]> = [];
    messages.forEach((message, i) => {
      try {
        prepared.push(this.#prepare(message));
      } catch (error) {
        prepared.push(undefined);
        faults.push([i, error]);
      }
    });
    this.#start(target, prepared, settled, faults);
  }

  /** Checks the size and builds the properties; throws MessageTooLargeError or DataError. */
  #prepare(message: Message): Prepared {
    if (message.body.byteLength > this.#options.maxMessageBytes) {
      throw new MessageTooLargeError(
        `message ${message.id} is ${message.body.byteLength} bytes; this amqp connection accepts at most ${this.#options.maxMessageBytes}`,
      );
    }
    return { message, properties: toAmqpProperties(message) };
  }

  /**
   * Settles `faults` at once, arms the publish timeout and queues the writes of the rest. Messages
   * still unconfirmed when the timeout fires fail with TimeoutError, and those not written yet are
   * never written (the caller believes them unsent).
   */
  #start(
    target: AmqpTarget,
    prepared: ReadonlyArray<Prepared | undefined>,
    settled: PublishSettled,
    faults: ReadonlyArray<[number, unknown]> = [],
  ): void {
    let timer: NodeJS.Timeout | undefined;
    const batch = new ConfirmBatch(prepared.length, settled, () => clearTimeout(timer));
    for (const [index, error] of faults) batch.settle(index, error);
    if (batch.finished) return;
    const timeoutMs = this.#options.publishTimeoutMs;
    timer = setTimeout(() => {
      batch.failOpen(
        new TimeoutError(
          `amqp publish of ${prepared.length} message(s) not confirmed within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    this.#writes.submit(this.#writeJob(target, prepared, batch));
  }

  /**
   * The write job of one publish: writes its messages from where it stopped; waits for a ready
   * channel (opened, exchange declared) and for 'drain'. If the channel dies under it, the messages
   * not written yet fail with it (nothing of a failed publish goes out on a new channel afterwards).
   */
  #writeJob(
    target: AmqpTarget,
    prepared: ReadonlyArray<Prepared | undefined>,
    batch: ConfirmBatch,
  ): WriteStep {
    let next = 0;
    let used: PublishChannel | undefined;
    return () => {
      while (next < prepared.length && !batch.finished) {
        if (used !== undefined && !used.open) {
          batch.failOpen(channelError(used, undefined, target));
          return undefined;
        }
        const pc = this.#ready(target);
        if (pc === undefined) return bounded(this.#makeReady(target, batch), this.#options.publishTimeoutMs);
        used = pc;
        const index = next++;
        const item = prepared[index];
        if (item !== undefined && !this.#write(pc, target, item, index, batch)) {
          return bounded(waitForDrain(pc), this.#options.publishTimeoutMs);
        }
      }
      return undefined;
    };
  }

  /** Writes one message; returns false when the channel's buffer is full (wait for 'drain'). */
  #write(
    pc: PublishChannel,
    target: AmqpTarget,
    item: Prepared,
    index: number,
    batch: ConfirmBatch,
  ): boolean {
    const { message, properties } = item;
    const route = routeOf(target, message.key, this.#options.mandatoryTopicPublish);
    properties.mandatory = route.mandatory;
    const callback = (error: unknown): void => {
      if (error) {
        batch.settle(index, channelError(pc, error, target));
        return;
      }
      const returned = pc.returned.get(message.id);
      if (returned === undefined) {
        batch.settle(index, undefined);
        return;
      }
      if (returned <= 1) pc.returned.delete(message.id);
      else pc.returned.set(message.id, returned - 1);
      batch.settle(
        index,
        new UnroutableError(
          `amqp: no queue took message ${message.id} published to ${describeTarget(target)}`,
        ),
      );
    };
    try {
      return pc.channel.publish(
        route.exchange,
        route.routingKey,
        bodyBuffer(message.body),
        properties,
        callback,
      );
    } catch (error) {
      batch.settle(index, channelError(pc, error, target));
      return true;
    }
  }

  /** The open channel, if `target` can be written to it right now (its exchange known to exist). */
  #ready(target: AmqpTarget): PublishChannel | undefined {
    const pc = this.#current;
    if (pc === undefined || !pc.open) return undefined;
    return target.kind === 'queue' || pc.declared.has(target.exchange) ? pc : undefined;
  }

  /**
   * Opens the channel and declares (topic) or checks (exchange) the target's exchange. Never rejects:
   * a failure fails the batch's open messages.
   */
  async #makeReady(target: AmqpTarget, batch: ConfirmBatch): Promise<void> {
    let pc: PublishChannel | undefined;
    try {
      pc = await this.#channelFor(this.#options.publishTimeoutMs);
      if (target.kind === 'queue' || pc.declared.has(target.exchange)) return;
      if (target.kind === 'topic') {
        await pc.channel.assertExchange(target.exchange, 'topic', { durable: this.#options.durable });
      } else await this.#checkExchange(pc, target);
      pc.declared.add(target.exchange);
    } catch (error) {
      batch.failOpen(
        pc === undefined ? toPolybusError(error, 'amqp publish') : channelError(pc, error, target),
      );
    }
  }

  /**
   * Checks that an existing exchange is there on a throwaway channel, so that a missing one (404
   * closes the channel) never breaks the confirm channel other publishes share.
   */
  async #checkExchange(pc: PublishChannel, target: AmqpTarget & { kind: 'exchange' }): Promise<void> {
    let probe: Awaited<ReturnType<ChannelModel['createChannel']>>;
    try {
      probe = await pc.connection.createChannel();
    } catch (error) {
      throw channelError(pc, error, target);
    }
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(target.exchange);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 404) {
        throw new AddressError(`amqp: ${describeTarget(target)} does not exist`, { cause: error });
      }
      throw toPolybusError(error, `amqp: checking ${describeTarget(target)}`);
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  #channelFor(timeoutMs: number): Promise<PublishChannel> {
    if (this.#current?.open) return Promise.resolve(this.#current);
    if (this.#opening !== undefined) return this.#opening;
    const opening = this.#openChannel(timeoutMs).finally(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    this.#opening = opening;
    return opening;
  }

  async #openChannel(timeoutMs: number): Promise<PublishChannel> {
    const connection = await this.#connection.whenUp(timeoutMs);
    const channel = await connection.createConfirmChannel();
    const pc: PublishChannel = {
      channel,
      connection,
      returned: new Map(),
      declared: new Set(),
      closeError: undefined,
      open: true,
    };
    channel.on('error', (error: Error & { code?: number }) => {
      pc.closeError = error;
      this.#logger.warn({ err: describe(error) }, 'amqp: publish channel error');
    });
    channel.on('return', (returned: { properties: { messageId?: unknown } }) => {
      const id = returned.properties.messageId;
      if (typeof id === 'string') pc.returned.set(id, (pc.returned.get(id) ?? 0) + 1);
    });
    channel.once('close', () => {
      pc.open = false;
      if (this.#current === pc) this.#current = undefined;
    });
    this.#current = pc;
    return pc;
  }

  /** Forgets the channel of a lost connection (its close event may come late or not at all). */
  reset(): void {
    if (this.#current) this.#current.open = false;
    this.#current = undefined;
  }

  /** Closes the confirm channel. Never rejects. */
  async close(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    const pc = this.#current;
    this.#current = undefined;
    if (pc?.open) {
      pc.open = false;
      await pc.channel.close().catch(() => undefined);
    }
  }
}

/**
 * `wait`, or `ms` at most: a write job never holds the queue longer than a publish may take (a lost
 * connection may never emit the channel's 'drain' or 'close').
 */
function bounded(wait: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([wait, limit]).finally(() => clearTimeout(timer));
}
