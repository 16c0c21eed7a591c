import {
  AddressError,
  BrokerError,
  bodyBuffer,
  type Logger,
  type Message,
  MessageTooLargeError,
  NotConnectedError,
  type PolybusError,
  PublishError,
  TimeoutError,
  toPolybusError,
  UnroutableError,
} from '@polybus/core';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { AmqpTarget } from './amqp-address.js';
import type { AmqpConnection } from './amqp-connection.js';
import { describe } from './amqp-connection.js';
import type { AmqpTransportOptions } from './amqp-options.js';
import { BatchConfirms } from './batch-confirms.js';
import { type AmqpPublishProperties, toAmqpProperties } from './header-mapping.js';
import { routeOf } from './publish-route.js';

/** The properties of one publish plus amqplib's `mandatory` flag (set per route, on our own object). */
type PublishOptions = AmqpPublishProperties & { mandatory?: boolean };

/** One confirm channel and what the adapter learned on it. */
interface PublishChannel {
  readonly channel: ConfirmChannel;
  readonly connection: ChannelModel;
  /** Message ids the broker returned as unroutable (`basic.return` precedes the confirm). */
  readonly returned: Map<string, number>;
  /** Exchanges declared on this channel's connection. */
  readonly declared: Set<string>;
  /** The error that closed the channel, if any. */
  closeError: (Error & { code?: number }) | undefined;
  open: boolean;
}

/**
 * Publishes on one confirm channel per connection, opened on first use and reopened after a channel
 * error (e.g. 404 for a missing exchange) or a reconnect. Subscriptions never share it, so a publish
 * error never closes a consumer. Safe to call concurrently.
 */
export class AmqpPublisher {
  readonly #connection: AmqpConnection;
  readonly #options: AmqpTransportOptions;
  readonly #logger: Logger;
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
  async publish(target: AmqpTarget, messages: readonly Message[]): Promise<void> {
    const prepared = messages.map((message) => {
      if (message.body.byteLength > this.#options.maxMessageBytes) {
        throw new MessageTooLargeError(
          `message ${message.id} is ${message.body.byteLength} bytes; this amqp connection accepts at most ${this.#options.maxMessageBytes}`,
        );
      }
      return { message, properties: toAmqpProperties(message) };
    });
    if (prepared.length === 0) return;
    const timeoutMs = this.#options.publishTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = { passed: false };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.passed = true;
        reject(
          new TimeoutError(
            `amqp publish of ${prepared.length} message(s) not confirmed within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
    });
    const work = this.#send(target, prepared, timeoutMs, deadline);
    work.catch(() => undefined);
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #send(
    target: AmqpTarget,
    prepared: ReadonlyArray<{ message: Message; properties: ReturnType<typeof toAmqpProperties> }>,
    timeoutMs: number,
    deadline: { passed: boolean },
  ): Promise<void> {
    const pc = await this.#channelFor(timeoutMs);
    if (target.kind === 'topic' && !pc.declared.has(target.exchange)) {
      try {
        await pc.channel.assertExchange(target.exchange, 'topic', { durable: this.#options.durable });
      } catch (error) {
        throw this.#channelError(pc, error, target);
      }
      pc.declared.add(target.exchange);
    } else if (target.kind === 'exchange' && !pc.declared.has(target.exchange)) {
      await this.#checkExchange(pc, target);
      pc.declared.add(target.exchange);
    }
    // One promise for the whole batch (not one per message): it resolves when the broker confirmed
    // every message sent and rejects with the first failure, as Promise.all over them would.
    const confirms = new BatchConfirms();
    for (const { message, properties } of prepared) {
      const route = routeOf(target, message.key, this.#options.mandatoryTopicPublish);
      if (!pc.open) throw this.#channelError(pc, undefined, target);
      // The caller got a TimeoutError already: do not send what it believes unsent.
      if (deadline.passed) throw new TimeoutError('amqp publish timed out');
      const callback = (error: unknown): void => {
        if (error) {
          confirms.settle(this.#channelError(pc, error, target));
          return;
        }
        const returned = pc.returned.get(message.id);
        if (returned === undefined) {
          confirms.settle(undefined);
          return;
        }
        if (returned <= 1) pc.returned.delete(message.id);
        else pc.returned.set(message.id, returned - 1);
        confirms.settle(
          new UnroutableError(
            `amqp: no queue took message ${message.id} published to ${describeTarget(target)}`,
          ),
        );
      };
      const options: PublishOptions = properties;
      options.mandatory = route.mandatory;
      let flowing = true;
      confirms.expect();
      try {
        flowing = pc.channel.publish(
          route.exchange,
          route.routingKey,
          bodyBuffer(message.body),
          options,
          callback,
        );
      } catch (error) {
        confirms.settle(this.#channelError(pc, error, target));
      }
      // Backpressure: the socket buffer is full, wait for 'drain' before writing more.
      if (!flowing) await waitForDrain(pc);
    }
    await confirms.all();
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
      throw this.#channelError(pc, error, target);
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

  #channelError(pc: PublishChannel, error: unknown, target: AmqpTarget): PolybusError {
    const closeError = pc.closeError;
    // A channel error names its exchange; one caused by another publish's target is not ours.
    const mine =
      closeError !== undefined &&
      target.kind !== 'queue' &&
      closeError.message.includes(`'${target.exchange}'`);
    if (mine && closeError?.code === 404) {
      return new AddressError(`amqp: ${describeTarget(target)} does not exist (${describe(closeError)})`, {
        cause: closeError,
      });
    }
    if (mine && closeError?.code === 406) {
      return new BrokerError(`amqp: broker refused ${describeTarget(target)}: ${describe(closeError)}`, {
        cause: closeError,
        retriable: false,
      });
    }
    if (error instanceof Error && error.message === 'message nacked') {
      return new PublishError(`amqp: broker nacked a message published to ${describeTarget(target)}`, {
        cause: error,
      });
    }
    if (!pc.open || (error instanceof Error && /closed|closing|ended/i.test(error.message))) {
      return new NotConnectedError(
        `amqp: channel closed before the broker confirmed (${describe(closeError ?? error ?? 'connection lost')}); publish again`,
        { cause: closeError ?? error },
      );
    }
    return toPolybusError(error, 'amqp publish');
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

function waitForDrain(pc: PublishChannel): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      pc.channel.off('drain', done);
      pc.channel.off('close', done);
      resolve();
    };
    pc.channel.on('drain', done);
    pc.channel.on('close', done);
  });
}

/** A short description of a target for error messages. */
export function describeTarget(target: AmqpTarget): string {
  switch (target.kind) {
    case 'topic':
      return `topic exchange "${target.exchange}"`;
    case 'queue':
      return `queue "${target.queue}"`;
    case 'exchange':
      return `exchange "${target.exchange}"`;
  }
}
