import type {
  Address,
  CloseOptions,
  DeliveryHandler,
  DeliverySource,
  Logger,
  Subscription,
} from '@polybus/core';
import { AtMostOnceBuffer, DeliveryTracker, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import { SequenceGaps } from './sequence-gaps.js';
import type { ZmqAddress } from './zmq-address.js';
import { type DecodedFrames, decodeFrames } from './zmq-envelope.js';
import { fromZmqError } from './zmq-errors.js';
import { JOIN_PREFIX } from './zmq-sender.js';
import type { ReceivingSocket } from './zmq-sockets.js';

/** Settings of one ZeroMQ subscription. */
export interface ZmqSubscriptionInit {
  readonly socket: ReceivingSocket;
  readonly pattern: 'pubsub' | 'pushpull';
  readonly address: Address;
  readonly parsed: ZmqAddress;
  readonly group: string | undefined;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  /** SUB only: messages waiting for a handler slot before the oldest is dropped. */
  readonly maxPending: number;
  readonly endpoint: string;
  /** The token of this subscription's join handshake (see {@link JOIN_PREFIX}). */
  readonly joinToken: string;
  readonly logger: Logger;
  readonly onClosed: (subscription: ZmqSubscription) => void;
}

/**
 * The counters of a subscription this adapter made, or undefined for any other subscription. What a
 * bridge or an application exports as metrics: at-most-once loss is counted, never silent.
 */
export function zmqSubscriptionStats(subscription: unknown): ZmqSubscriptionStats | undefined {
  return subscription instanceof ZmqSubscription ? subscription.stats : undefined;
}

/** Counters of one subscription (all only grow). */
export interface ZmqSubscriptionStats {
  /** Messages handed to the handler. */
  readonly delivered: number;
  /** Messages refused as malformed (bad frame count or metadata), logged and dropped. */
  readonly malformed: number;
  /** SUB: messages dropped because `maxPending` were already waiting for a handler slot. */
  readonly overflowed: number;
  /** SUB: messages a polybus publisher numbered but this subscription never received (HWM drops). */
  readonly missed: number;
}

/**
 * One receiving socket and its deliveries (at-most-once: ack and nack do nothing, nothing is ever
 * redelivered). SUB reads eagerly into an {@link AtMostOnceBuffer} (bounded by `maxPending`, the
 * oldest dropped and counted), because a publisher drops anyway once the socket's queue is full.
 * PULL reads only when a handler slot is free, so a busy puller leaves messages in its peers' queues,
 * where the PUSH side round-robins them to others or blocks: backpressure, not loss. Closing stops
 * the socket at once (messages in its queue are lost, as ZeroMQ loses them), then waits for the
 * handlers in flight.
 */
export class ZmqSubscription implements Subscription {
  readonly #init: ZmqSubscriptionInit;
  readonly #tracker: DeliveryTracker;
  readonly #buffer: AtMostOnceBuffer<DecodedFrames> | undefined;
  readonly #lifecycle: SubscriptionLifecycle;
  readonly #gaps = new SequenceGaps();
  readonly #joinAnswer: Buffer;
  readonly #joined: { promise: Promise<boolean>; resolve: (joined: boolean) => void };
  #delivered = 0;
  #malformed = 0;
  #gapEvents = 0;

  constructor(init: ZmqSubscriptionInit) {
    this.#init = init;
    this.#joinAnswer = Buffer.from(`${JOIN_PREFIX}${init.joinToken}`, 'utf8');
    let resolveJoined!: (joined: boolean) => void;
    const promise = new Promise<boolean>((resolve) => {
      resolveJoined = resolve;
    });
    this.#joined = { promise, resolve: resolveJoined };
    const onHandlerError = (error: unknown, delivery: { message: { id: string } }): void =>
      init.logger.warn(
        { err: error, messageId: delivery.message.id, endpoint: init.endpoint },
        'zmq: handler failed',
      );
    if (init.pattern === 'pubsub') {
      this.#buffer = new AtMostOnceBuffer<DecodedFrames>({
        maxInFlight: init.maxInFlight,
        capacity: init.maxPending,
        handler: init.handler,
        toDelivery: (decoded) => this.#toDelivery(decoded),
        onHandlerError,
        onOverflow: (dropped) =>
          init.logger.warn(
            { endpoint: init.endpoint, dropped },
            'zmq: subscription overflow, dropping oldest',
          ),
      });
      this.#tracker = this.#buffer.tracker;
    } else {
      this.#tracker = new DeliveryTracker({ maxInFlight: init.maxInFlight, onHandlerError });
    }
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => {
        this.#buffer?.clear();
        if (!init.socket.closed) init.socket.close();
      },
      release: () => init.onClosed(this),
      onReleaseError: (error) => init.logger.debug({ err: error }, 'zmq: subscription release failed'),
    });
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** Resolves when the subscription ended (`undefined` after close, the error after a failure). */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** What this subscription received, refused and lost so far. */
  get stats(): ZmqSubscriptionStats {
    return {
      delivered: this.#delivered,
      malformed: this.#malformed,
      overflowed: this.#buffer?.dropped ?? 0,
      missed: this.#gaps.missed,
    };
  }

  /**
   * Resolves `true` when a polybus publisher answered this subscription's join handshake (its filter
   * is in effect there), or `false` after `timeoutMs` or when the subscription ends first.
   */
  joined(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ended = this.#lifecycle.closed.then(() => false);
    return Promise.race([this.#joined.promise, timeout, ended]).finally(() => clearTimeout(timer));
  }

  /** Starts the read loop on the (already subscribed and bound or connected) socket. */
  start(): void {
    void this.#readLoop();
  }

  /** See {@link Subscription.close}. Safe to call twice; never rejects. */
  close(options?: CloseOptions): Promise<void> {
    return this.#lifecycle.close(options);
  }

  /** Ends the subscription because its socket failed; `closed` resolves with `error`. Safe twice. */
  fail(error: Error): Promise<void> {
    return this.#lifecycle.fail(error);
  }

  async #readLoop(): Promise<void> {
    const { socket, pattern } = this.#init;
    while (!this.#lifecycle.ending) {
      if (pattern === 'pushpull' && !(await this.#tracker.waitForSlot())) return;
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch (error) {
        if (this.#lifecycle.ending || socket.closed) return;
        const failure = fromZmqError(error, `receive on ${this.#init.endpoint}`);
        this.#init.logger.error({ err: failure }, 'zmq: subscription failed');
        void this.fail(failure);
        return;
      }
      if (this.#lifecycle.ending) return;
      this.#accept(frames);
    }
  }

  #accept(frames: Buffer[]): void {
    if (frames.length === 1 && isJoinAnswer(frames[0]!)) {
      if (frames[0]!.equals(this.#joinAnswer)) this.#joined.resolve(true);
      return;
    }
    const decoded = decodeFrames(frames, this.#init.pattern);
    if (!decoded.ok) {
      if (this.#malformed++ % 1_000 === 0) {
        this.#init.logger.warn(
          { endpoint: this.#init.endpoint, reason: decoded.reason, malformed: this.#malformed },
          'zmq: dropping malformed message',
        );
      }
      return;
    }
    const { parsed } = this.#init;
    if (parsed.exact && decoded.topic !== parsed.topic) return;
    if (decoded.stamp) {
      const gap = this.#gaps.record(decoded.stamp, decoded.topic ?? '');
      if (gap > 0 && this.#gapEvents++ % 100 === 0) {
        this.#init.logger.warn(
          { endpoint: this.#init.endpoint, topic: decoded.topic, gap, missed: this.#gaps.missed },
          'zmq: messages missed (publisher high-water mark or reconnect)',
        );
      }
    }
    if (this.#buffer) {
      this.#buffer.push(decoded);
      return;
    }
    const { message, source } = this.#toDelivery(decoded);
    this.#tracker.dispatch(this.#init.handler, { message, source, attempt: 1, ack: noop, nack: noop });
  }

  #toDelivery(decoded: DecodedFrames): { message: DecodedFrames['message']; source: DeliverySource } {
    this.#delivered++;
    const { address, group } = this.#init;
    const source: DeliverySource = {
      address,
      ...(group === undefined ? {} : { group }),
      ...(decoded.topic === undefined ? {} : { subject: decoded.topic }),
    };
    return { message: decoded.message, source };
  }
}

function noop(): void {}

const JOIN_BYTES = Buffer.from(JOIN_PREFIX, 'utf8');

/** True for a join handshake answer (see {@link JOIN_PREFIX}): never a message. */
function isJoinAnswer(frame: Buffer): boolean {
  return frame.subarray(0, JOIN_BYTES.length).equals(JOIN_BYTES);
}
