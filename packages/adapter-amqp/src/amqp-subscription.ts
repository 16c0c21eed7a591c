// Over 300 lines: one consumer channel's establish / re-establish / settle / release, which share the
// channel state; ack coalescing, attempt counting and the lifecycle live in their own modules.
import {
  type Address,
  AddressError,
  BrokerError,
  ClosedError,
  type CloseOptions,
  type DeliveryHandler,
  type Logger,
  NotConnectedError,
  PolybusError,
  type Subscription,
  toPolybusError,
} from '@polybus/core';
import { backoffDelay, DeliveryTracker, delay, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { Message as AmqpMessage, Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { AckCoalescer } from './ack-coalescer.js';
import { type AmqpTarget, bindingPattern, groupQueueName } from './amqp-address.js';
import { type AmqpConnection, describe } from './amqp-connection.js';
import type { AmqpTransportOptions } from './amqp-options.js';
import { AttemptTracker } from './attempt-tracker.js';
import { fromAmqpMessage } from './header-mapping.js';

/** One channel with its consumer; `alive` turns false for good when either dies. */
interface ConsumerChannel {
  readonly channel: Channel;
  /** The queue consumed (server-named for private subscriptions: known once declared). */
  queue: string;
  consumerTag: string | undefined;
  alive: boolean;
  /** Set when we close the channel ourselves. */
  closing: boolean;
  /** The channel's acks, sent once the current microtasks ran out (see {@link AckCoalescer}). */
  readonly acks: AckCoalescer;
  /** Whether a flush of {@link acks} is scheduled. */
  flushing: boolean;
}

/** What {@link AmqpSubscription} needs besides the connection. */
export interface AmqpSubscriptionInit {
  readonly address: Address;
  readonly target: AmqpTarget;
  readonly group: string | undefined;
  readonly maxInFlight: number;
  readonly handler: DeliveryHandler;
  readonly options: AmqpTransportOptions;
  readonly logger: Logger;
  readonly onClosed: (subscription: AmqpSubscription) => void;
}

/**
 * A consumer on its own channel (so `basic.qos` = maxInFlight is per subscription and a channel error
 * elsewhere never takes it down). It re-establishes itself — re-declaring its queue and bindings —
 * after a channel or connection loss and after the broker cancelled the consumer (queue deleted);
 * when that is impossible (a native `{ queue }` or exchange that no longer exists) `closed` resolves
 * with the error. Settles of deliveries from a dead channel are no-ops: the broker redelivers them.
 */
export class AmqpSubscription implements Subscription {
  readonly #connection: AmqpConnection;
  readonly #init: AmqpSubscriptionInit;
  readonly #tracker: DeliveryTracker;
  readonly #attempts = new AttemptTracker();
  readonly #stop = new AbortController();
  readonly #holds = new Set<() => void>();
  #current: ConsumerChannel | undefined;
  #loop: Promise<void> | undefined;
  readonly #lifecycle: SubscriptionLifecycle;

  constructor(connection: AmqpConnection, init: AmqpSubscriptionInit) {
    this.#connection = connection;
    this.#init = init;
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: describe(error), messageId: delivery.message.id },
          'amqp: handler failed, message nacked',
        ),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => {
        this.#stop.abort();
        const cc = this.#current;
        if (cc?.alive && cc.consumerTag !== undefined)
          void cc.channel.cancel(cc.consumerTag).catch(() => undefined);
      },
      release: () => this.#release(),
    });
  }

  /** Resolves when the subscription ended: `undefined` after `close()`, the error after a fatal one. */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /**
   * Establishes the consumer on the live connection (waiting up to `publishTimeoutMs` during a
   * reconnect). Rejects with AddressError when the queue or exchange does not exist or has other
   * arguments, with the connection's error otherwise; the subscription is then unusable.
   */
  async start(): Promise<void> {
    const connection = await this.#connection.whenUp(this.#init.options.publishTimeoutMs);
    try {
      await this.#establish(connection);
    } catch (error) {
      throw this.#mapError(error);
    }
  }

  /** The connection was lost: every delivery of the old channel is dead (their settles do nothing). */
  onDisconnected(): void {
    if (this.#current) this.#current.alive = false;
  }

  /** A new connection is up: consume again. */
  onConnected(): void {
    this.#kick();
  }

  #kick(): void {
    if (this.#loop !== undefined || this.#lifecycle.ending) return;
    this.#loop = this.#reestablish().finally(() => {
      this.#loop = undefined;
    });
  }

  async #reestablish(): Promise<void> {
    for (let attempt = 1; !this.#lifecycle.ending && !this.#current?.alive; attempt++) {
      const connection = this.#connection.current;
      if (connection === undefined) return; // onConnected kicks again
      try {
        await this.#establish(connection);
        this.#init.logger.info({ address: this.#init.address, attempt }, 'amqp: consumer re-established');
        return;
      } catch (error) {
        const mapped = this.#mapError(error);
        if (mapped instanceof AddressError) {
          this.#init.logger.error({ err: mapped.message }, 'amqp: subscription cannot be re-established');
          void this.#lifecycle.fail(mapped);
          return;
        }
        this.#init.logger.warn({ attempt, err: mapped.message }, 'amqp: re-establishing consumer failed');
        await delay(backoffDelay(attempt, this.#init.options.reconnect), this.#stop.signal);
      }
    }
  }

  async #establish(connection: ChannelModel): Promise<void> {
    const { target, group, options } = this.#init;
    const channel = await connection.createChannel();
    const cc: ConsumerChannel = {
      channel,
      queue: '',
      consumerTag: undefined,
      alive: true,
      closing: false,
      acks: new AckCoalescer((deliveryTag, multiple) =>
        // amqplib reads only the tag of the message it is given.
        settleSafely(() => channel.ack({ fields: { deliveryTag } } as AmqpMessage, multiple)),
      ),
      flushing: false,
    };
    let closeError: (Error & { code?: number }) | undefined;
    channel.on('error', (error: Error & { code?: number }) => {
      closeError = error;
      this.#init.logger.warn({ err: describe(error) }, 'amqp: consumer channel error');
    });
    channel.once('close', () => {
      cc.alive = false;
      if (cc.closing || this.#lifecycle.ending || this.#current !== cc) return;
      // The connection emits 'close' after its channels: let it update its state first.
      setImmediate(() => this.#kick());
    });
    try {
      let queue: string;
      if (target.kind === 'queue') {
        queue = target.queue;
      } else {
        if (target.kind === 'topic') {
          await channel.assertExchange(target.exchange, 'topic', { durable: options.durable });
        }
        if (group !== undefined) {
          queue = groupQueueName(target.exchange, group);
          const args: Record<string, unknown> = {
            ...options.queueArguments,
            'x-queue-type': options.queueType,
          };
          await channel.assertQueue(queue, { durable: options.durable, arguments: args });
        } else {
          const declared = await channel.assertQueue('', {
            exclusive: true,
            durable: false,
            autoDelete: false,
          });
          queue = declared.queue;
        }
        await channel.bindQueue(queue, target.exchange, bindingPattern(target));
      }
      await channel.prefetch(this.#init.maxInFlight, false);
      cc.queue = queue;
      const ok = await channel.consume(queue, (msg) => this.#onMessage(cc, msg), { noAck: false });
      cc.consumerTag = ok.consumerTag;
    } catch (error) {
      cc.alive = false;
      cc.closing = true;
      await channel.close().catch(() => undefined);
      throw closeError ?? error;
    }
    if (this.#lifecycle.ending || !cc.alive) {
      cc.closing = true;
      cc.alive = false;
      await channel.close().catch(() => undefined);
      if (this.#lifecycle.ending) throw new ClosedError('amqp subscription is closed');
      throw new NotConnectedError('amqp consumer channel closed while starting');
    }
    this.#current = cc;
  }

  #onMessage(cc: ConsumerChannel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled the consumer (queue deleted, node down): start over on a new channel.
      this.#init.logger.warn({ queue: cc.queue }, 'amqp: consumer cancelled by the broker');
      cc.alive = false;
      cc.closing = true;
      void cc.channel.close().catch(() => undefined);
      if (!this.#lifecycle.ending && this.#current === cc) setImmediate(() => this.#kick());
      return;
    }
    // Intake stopped (closing): leave it unacked, the broker redelivers it when the channel closes.
    if (this.#lifecycle.ending || !cc.alive) return;
    const body = new Uint8Array(msg.content.buffer, msg.content.byteOffset, msg.content.byteLength);
    const message = fromAmqpMessage(msg.fields, msg.properties, body);
    const rawCount = msg.properties.headers?.['x-delivery-count'];
    const deliveryCount = typeof rawCount === 'number' ? rawCount : undefined;
    const messageId = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    const attempt = this.#attempts.attempt(messageId, msg.fields.redelivered, deliveryCount);
    const { address, group } = this.#init;
    const { deliveryTag, redelivered } = msg.fields;
    this.#tracker.dispatch(this.#init.handler, {
      message,
      attempt,
      // Two literals rather than a spread of a temporary object per message.
      source:
        group === undefined
          ? { address, deliveryTag, redelivered }
          : { address, group, deliveryTag, redelivered },
      ack: () => {
        if (messageId !== undefined) this.#attempts.forget(messageId);
        if (!cc.alive) return;
        cc.acks.ack(deliveryTag);
        if (!cc.flushing) {
          cc.flushing = true;
          // Once the microtasks run out: the acks of every message its confirm settled in this
          // turn (their settle chains are equally deep) go in one flush, and are written before
          // amqplib's muxer sends this turn's frames; a setImmediate flush would miss that send
          // and wait a whole event-loop turn (one more socket read of deliveries) for the next.
          queueMicrotask(() => flushAcks(cc));
        }
      },
      nack: async ({ requeue, delayMs }) => {
        if (requeue && delayMs > 0) await this.#hold(delayMs);
        if (!requeue && messageId !== undefined) this.#attempts.forget(messageId);
        if (!cc.alive) return;
        cc.acks.settled(deliveryTag);
        settleSafely(() => cc.channel.nack(msg, false, requeue));
      },
    });
  }

  /** Waits `ms` (a delayed nack keeps its message, and its slot, until then); cut short by close. */
  #hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.#holds.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.#holds.add(release);
    });
  }

  #mapError(error: unknown): PolybusError {
    if (error instanceof PolybusError) return error;
    const code = (error as { code?: unknown } | undefined)?.code;
    const { target } = this.#init;
    const what = target.kind === 'queue' ? `queue "${target.queue}"` : `exchange "${target.exchange}"`;
    if (code === 404)
      return new AddressError(`amqp: ${what} does not exist (${describe(error)})`, { cause: error });
    if (code === 406 || code === 405) {
      return new AddressError(`amqp: broker refused to consume ${what}: ${describe(error)}`, {
        cause: error,
      });
    }
    if (code === 403)
      return new BrokerError(`amqp: access refused: ${describe(error)}`, { cause: error, retriable: false });
    return toPolybusError(error, 'amqp subscribe');
  }

  /**
   * Stops intake (cancels the consumer), waits up to `timeoutMs` (default 30000) for in-flight
   * deliveries to be settled, then closes the channel: the broker requeues what is still unacked. A
   * subscription without a group also deletes its private queue. Safe to call twice; never rejects.
   */
  close(options?: CloseOptions): Promise<void> {
    return this.#lifecycle.close(options);
  }

  /** After the drain (or a fatal error): flush this turn's acks, delete a private queue, close the channel. */
  async #release(): Promise<void> {
    for (const release of [...this.#holds]) release();
    await this.#loop?.catch(() => undefined);
    const cc = this.#current;
    if (cc) {
      const wasAlive = cc.alive;
      cc.alive = false;
      cc.closing = true;
      if (wasAlive) {
        // Acks of this turn go out before the channel closes (else the broker would redeliver them).
        cc.acks.flush();
        if (this.#init.group === undefined && this.#init.target.kind !== 'queue') {
          await cc.channel.deleteQueue(cc.queue).catch(() => undefined);
        }
        await cc.channel.close().catch(() => undefined);
      }
    }
    this.#init.onClosed(this);
  }
}

/** Sends the acks a channel collected (scheduled by the first ack since the last flush). */
function flushAcks(cc: ConsumerChannel): void {
  cc.flushing = false;
  if (cc.alive) cc.acks.flush();
}

/** Runs a native settle; a channel that closed meanwhile throws, and the broker redelivers anyway. */
function settleSafely(settle: () => void): void {
  try {
    settle();
  } catch {
    // IllegalOperationError: channel closed. Nothing to do: the message is requeued by the broker.
  }
}
