import { ConfigError, toPolybusError } from '../errors.js';
import type { Message } from '../message.js';
import type { Delivery, DeliveryHandler, DeliverySource, NackOptions } from '../transport.js';

/** The native settle operations an adapter supplies for one received message. */
export interface DeliveryInit {
  readonly message: Message;
  readonly attempt: number;
  readonly source: DeliverySource;
  /** Native ack. Called at most once, and never after the tracker abandoned its deliveries. */
  ack(): Promise<void> | void;
  /** Native nack, with defaults applied (`requeue` true, `delayMs` 0). Same guarantees as `ack`. */
  nack(options: Required<NackOptions>): Promise<void> | void;
}

/** Options of a {@link DeliveryTracker}. */
export interface DeliveryTrackerOptions {
  /** Most deliveries unsettled at once (>= 1). */
  maxInFlight: number;
  /** Called when a handler throws or rejects (before the tracker nacks the delivery). */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
  /** Called after a settled delivery freed its slot (push-based adapters dispatch more from here). */
  onReleased?: () => void;
}

/**
 * Bounds and tracks the deliveries of one subscription: at most `maxInFlight` unsettled at a time,
 * settle-once {@link Delivery} objects, nack on handler failure, and a drain for `close()`.
 *
 * Adapters that pull (Kafka, Redis Streams, JetStream) call {@link waitForSlot} before fetching the
 * next message; adapters with broker-side prefetch (AMQP) may rely on the broker and only call
 * {@link dispatch}. Not shared between subscriptions.
 */
export class DeliveryTracker {
  readonly #maxInFlight: number;
  readonly #onHandlerError: DeliveryTrackerOptions['onHandlerError'];
  readonly #onReleased: DeliveryTrackerOptions['onReleased'];
  #inFlight = 0;
  #stopping = false;
  #abandoned = false;
  #slotWaiters: Array<(ok: boolean) => void> = [];
  #idleWaiters: Array<() => void> = [];
  /** What every delivery of this tracker calls back into (one object per tracker, not per delivery). */
  readonly #owner: DeliveryOwner = {
    release: () => this.#release(),
    isAbandoned: () => this.#abandoned,
  };

  /** Throws {@link ConfigError} when `maxInFlight` is not an integer >= 1. */
  constructor(options: DeliveryTrackerOptions) {
    const { maxInFlight } = options;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new ConfigError(`maxInFlight must be an integer >= 1, got ${String(maxInFlight)}`);
    }
    this.#maxInFlight = maxInFlight;
    this.#onHandlerError = options.onHandlerError;
    this.#onReleased = options.onReleased;
  }

  /** Deliveries handed out and not yet settled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The bound given at construction. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** True once {@link drain} was called: no new deliveries should be fetched. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Free slots right now (0 while stopping). */
  get freeSlots(): number {
    return this.#stopping ? 0 : Math.max(0, this.#maxInFlight - this.#inFlight);
  }

  /**
   * Resolves `true` as soon as fewer than `maxInFlight` deliveries are unsettled, or `false` once the
   * tracker is stopping. Does not reserve the slot: call {@link dispatch} right after.
   */
  waitForSlot(): Promise<boolean> {
    if (this.#stopping) return Promise.resolve(false);
    if (this.#inFlight < this.#maxInFlight) return Promise.resolve(true);
    return new Promise((resolve) => this.#slotWaiters.push(resolve));
  }

  /**
   * Wraps `init` in a settle-once {@link Delivery}, counts it in flight until settled, and runs
   * `handler` on it. A handler that throws (or rejects) without settling gets the delivery nacked with
   * requeue. Never throws; returns the delivery.
   */
  dispatch(handler: DeliveryHandler, init: DeliveryInit): Delivery {
    this.#inFlight++;
    const delivery = this.#createDelivery(init);
    let result: void | Promise<void>;
    try {
      result = handler(delivery);
    } catch (error) {
      this.#handlerFailed(error, delivery);
      return delivery;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(undefined, (error: unknown) => this.#handlerFailed(error, delivery));
    }
    return delivery;
  }

  /**
   * Stops intake (pending {@link waitForSlot} calls resolve `false`) and resolves `true` when every
   * in-flight delivery is settled, or `false` after `timeoutMs`; in that case the remaining deliveries
   * are abandoned: their later settles do nothing and the broker redelivers them. Safe to call twice.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#stopping = true;
    for (const waiter of this.#slotWaiters.splice(0)) waiter(false);
    if (this.#inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (!drained) this.#abandoned = true;
    return drained;
  }

  /** Makes every outstanding and future settle a no-op (the connection they belong to is gone). */
  abandon(): void {
    this.#abandoned = true;
    this.#stopping = true;
    for (const waiter of this.#slotWaiters.splice(0)) waiter(false);
  }

  #handlerFailed(error: unknown, delivery: Delivery): void {
    this.#onHandlerError?.(error, delivery);
    if (!delivery.settled) void delivery.nack().catch(() => undefined);
  }

  #release(): void {
    this.#inFlight--;
    if (this.#inFlight < this.#maxInFlight && !this.#stopping) this.#slotWaiters.shift()?.(true);
    if (this.#inFlight === 0) for (const waiter of this.#idleWaiters.splice(0)) waiter();
    this.#onReleased?.();
  }

  #createDelivery(init: DeliveryInit): Delivery {
    return new TrackedDelivery(init, this.#owner);
  }
}

/** The tracker side of a {@link TrackedDelivery}. */
interface DeliveryOwner {
  /** Frees the delivery's slot; called once, after its settle ran. */
  release(): void;
  /** True once the tracker abandoned its deliveries: settles do nothing. */
  isAbandoned(): boolean;
}

/**
 * A settle-once {@link Delivery}. A class (prototype getter, one settle method) rather than an object
 * literal with a getter and four closures per message; `ack` and `nack` stay bound, so they still work
 * when passed around on their own.
 */
class TrackedDelivery implements Delivery {
  readonly message: Message;
  readonly attempt: number;
  readonly source: DeliverySource;
  readonly #init: DeliveryInit;
  readonly #owner: DeliveryOwner;
  #settlement: Promise<void> | undefined;

  constructor(init: DeliveryInit, owner: DeliveryOwner) {
    this.message = init.message;
    this.attempt = init.attempt;
    this.source = init.source;
    this.#init = init;
    this.#owner = owner;
  }

  get settled(): boolean {
    return this.#settlement !== undefined;
  }

  readonly ack = (): Promise<void> => {
    if (this.#settlement === undefined) this.#settlement = this.#settle(undefined);
    return this.#settlement;
  };

  readonly nack = (options?: NackOptions): Promise<void> => {
    if (this.#settlement === undefined)
      this.#settlement = this.#settle({
        requeue: options?.requeue ?? true,
        delayMs: Math.max(0, options?.delayMs ?? 0),
      });
    return this.#settlement;
  };

  /** Runs the native ack (`nack` undefined) or nack once, then frees the slot. */
  async #settle(nack: Required<NackOptions> | undefined): Promise<void> {
    try {
      if (!this.#owner.isAbandoned()) await (nack === undefined ? this.#init.ack() : this.#init.nack(nack));
    } catch (error) {
      throw toPolybusError(error, nack === undefined ? 'ack failed' : 'nack failed');
    } finally {
      this.#owner.release();
    }
  }
}
