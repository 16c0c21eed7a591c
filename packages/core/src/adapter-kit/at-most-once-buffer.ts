import type { Message } from '../message.js';
import type { DeliveryHandler, DeliverySource } from '../transport.js';
import { DeliveryTracker, type DeliveryTrackerOptions } from './delivery-tracker.js';

/** Options of an {@link AtMostOnceBuffer}. */
export interface AtMostOnceBufferOptions<T> {
  /** Most unsettled deliveries at once. */
  maxInFlight: number;
  /** Messages waiting for a free slot beyond which the oldest is dropped. */
  capacity: number;
  handler: DeliveryHandler;
  /** Turns a pushed item into the message and source of its delivery (called when it is dispatched). */
  toDelivery(item: T): { message: Message; source: DeliverySource };
  onHandlerError?: DeliveryTrackerOptions['onHandlerError'];
  /** Called on the 1st, 1001st, ... dropped item with the running total, for a rate-limited warning. */
  onOverflow?(droppedTotal: number): void;
}

/**
 * The local buffer of a push-based, at-most-once subscription (core NATS, Redis Pub/Sub): the server
 * pushes whether or not a handler slot is free; items wait here (at most `capacity`, the oldest
 * dropped beyond) and are dispatched through a {@link DeliveryTracker} as slots free up, so at most
 * `maxInFlight` deliveries are unsettled. Ack and nack do nothing: the broker keeps nothing.
 * Pushes after the tracker started draining are ignored. Not shared between subscriptions.
 */
export class AtMostOnceBuffer<T> {
  /** The tracker bounding the deliveries; drain/abandon it on close. */
  readonly tracker: DeliveryTracker;
  readonly #options: AtMostOnceBufferOptions<T>;
  #items: T[] = [];
  #dropped = 0;

  constructor(options: AtMostOnceBufferOptions<T>) {
    this.#options = options;
    const trackerOptions: DeliveryTrackerOptions = {
      maxInFlight: options.maxInFlight,
      onReleased: () => this.#pump(),
    };
    if (options.onHandlerError) trackerOptions.onHandlerError = options.onHandlerError;
    this.tracker = new DeliveryTracker(trackerOptions);
  }

  /** Items dropped so far because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Items waiting for a slot. */
  get waiting(): number {
    return this.#items.length;
  }

  /** Buffers an item (dropping the oldest when full) and dispatches what the free slots allow. */
  push(item: T): void {
    if (this.tracker.stopping) return;
    this.#items.push(item);
    if (this.#items.length > this.#options.capacity) {
      this.#items.shift();
      if (this.#dropped++ % 1000 === 0) this.#options.onOverflow?.(this.#dropped);
    }
    this.#pump();
  }

  /** Drops every waiting item (on close: at-most-once keeps nothing). */
  clear(): void {
    this.#items = [];
  }

  #pump(): void {
    while (this.#items.length > 0 && this.tracker.freeSlots > 0) {
      const { message, source } = this.#options.toDelivery(this.#items.shift() as T);
      this.tracker.dispatch(this.#options.handler, { message, source, attempt: 1, ack: noop, nack: noop });
    }
  }
}

function noop(): void {}
