import { DeliveryTracker } from '../adapter-kit/delivery-tracker.js';
import type { QueueEntry } from '../adapter-kit/keyed-queue.js';
import { SubscriptionLifecycle } from '../adapter-kit/subscription-lifecycle.js';
import type { Address } from '../address.js';
import type { Capabilities } from '../capabilities.js';
import { ClosedError, MessageTooLargeError, TimeoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Message } from '../message.js';
import type {
  CloseOptions,
  DeliveryHandler,
  HealthStatus,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../transport.js';
import { parseMemoryAddress } from './memory-address.js';
import { type GroupMember, MemoryBroker, type MemoryGroup, type StoredMessage } from './memory-broker.js';

/** Options of a `memory://` connection. */
export interface MemoryTransportOptions {
  /** Messages a group may hold waiting before publishers wait. @defaultValue 100000 */
  maxQueuedPerGroup: number;
  /** Largest body accepted. @defaultValue 67108864 (64 MiB) */
  maxMessageBytes: number;
  /** How long a publish waits for room in a full group before failing with a TimeoutError. @defaultValue 30000 */
  publishTimeoutMs: number;
}

let ephemeralCounter = 0;

class MemorySubscription implements Subscription, GroupMember {
  readonly #tracker: DeliveryTracker;
  readonly #outstanding = new Set<QueueEntry<StoredMessage>>();
  readonly #lifecycle: SubscriptionLifecycle;
  #scheduled = 0;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly topic: string,
    private readonly group: MemoryGroup,
    private readonly address: Address,
    private readonly handler: DeliveryHandler,
    maxInFlight: number,
    logger: Logger,
    private readonly onClosed: (sub: MemorySubscription) => void,
  ) {
    this.#tracker = new DeliveryTracker({
      maxInFlight,
      onHandlerError: (error, delivery) =>
        logger.warn({ err: error, messageId: delivery.message.id }, 'memory: handler failed, message nacked'),
      onReleased: () => this.group.dispatch(),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, { release: () => this.#release() });
  }

  /** Resolves once `close()` finished (always with `undefined`: nothing can break in memory). */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  freeSlots(): number {
    return this.#tracker.freeSlots - this.#scheduled;
  }

  deliver(entry: QueueEntry<StoredMessage>): void {
    this.#outstanding.add(entry);
    this.#scheduled++;
    queueMicrotask(() => {
      this.#scheduled--;
      const { message, deliveries } = entry.value;
      this.#tracker.dispatch(this.handler, {
        message,
        attempt: deliveries,
        source: this.group.ephemeral
          ? { address: this.address }
          : { address: this.address, group: this.group.name },
        ack: () => {
          this.#outstanding.delete(entry);
          this.group.queue.release(entry);
        },
        nack: ({ requeue, delayMs }) => {
          this.#outstanding.delete(entry);
          if (requeue) this.group.requeue(entry, delayMs);
          else this.group.queue.release(entry);
        },
      });
    });
  }

  /** See {@link Subscription.close}: what is left unsettled after the drain goes back to the group. */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  #release(): void {
    this.group.removeMember(this);
    for (const entry of this.#outstanding) this.group.requeue(entry);
    this.#outstanding.clear();
    this.broker.releaseGroup(this.topic, this.group);
    this.group.dispatch();
    this.onClosed(this);
  }
}

/**
 * `memory://<name>`: a real in-process broker with durable-broker semantics — consumer groups, ack /
 * nack with redelivery and attempt count, order per key, nack delay, bounded group queues with
 * publisher backpressure. Every transport of a process with the same `<name>` talks to the same
 * broker. Nothing survives the process.
 */
export class MemoryTransport implements Transport {
  readonly scheme = 'memory';
  readonly capabilities: Capabilities;
  readonly #broker: MemoryBroker;
  readonly #options: MemoryTransportOptions;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<MemorySubscription>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(name: string, options: MemoryTransportOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#broker = MemoryBroker.named(name, options.maxQueuedPerGroup);
    this.capabilities = Object.freeze({
      persistent: true,
      consumerGroups: true,
      orderedPerKey: true,
      nackDelay: true,
      replay: false,
      headers: true,
      maxMessageBytes: options.maxMessageBytes,
    });
  }

  async connect(): Promise<void> {
    if (this.#closed) throw new ClosedError('memory transport is closed');
  }

  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closed) throw new ClosedError('memory transport is closed');
    const { topic } = parseMemoryAddress(address);
    for (const message of messages) {
      if (message.body.byteLength > this.#options.maxMessageBytes) {
        throw new MessageTooLargeError(
          `message ${message.id} is ${message.body.byteLength} bytes; memory topic "${topic}" accepts at most ${this.#options.maxMessageBytes}`,
        );
      }
    }
    for (const message of messages) {
      const stored: Message = Object.freeze({ ...message, body: message.body.slice() });
      for (const group of this.#broker.groupsOf(topic)) {
        if (group.full && (await group.waitForSpace(this.#options.publishTimeoutMs)) === 'timeout') {
          throw new TimeoutError(
            `memory topic "${topic}" group "${group.name}" stayed full for ${this.#options.publishTimeoutMs} ms`,
          );
        }
        group.enqueue(stored);
      }
    }
  }

  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) throw new ClosedError('memory transport is closed');
    const { topic } = parseMemoryAddress(address);
    const ephemeral = options.group === undefined;
    const groupName = options.group ?? `~ephemeral-${++ephemeralCounter}`;
    const group = this.#broker.group(topic, groupName, ephemeral);
    const subscription = new MemorySubscription(
      this.#broker,
      topic,
      group,
      address,
      handler,
      options.maxInFlight ?? 16,
      this.#logger,
      (sub) => this.#subscriptions.delete(sub),
    );
    this.#subscriptions.add(subscription);
    group.addMember(subscription);
    return subscription;
  }

  health(): HealthStatus {
    return this.#closed ? { state: 'closed' } : { state: 'up' };
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    this.#closing ??= Promise.all([...this.#subscriptions].map((s) => s.close(options))).then(
      () => undefined,
    );
    return this.#closing;
  }
}
