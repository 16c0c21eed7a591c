import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import {
  type Address,
  AT_MOST_ONCE,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  type DeliveryHandler,
  type HealthStatus,
  type Logger,
  type Message,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  UnsupportedError,
} from '@polybus/core';
import { DeliveryTracker, once, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import { decodeLine, encodeLine, type StdioFormat } from './stdio-codec.js';

/** Options of a `stdio://` connection. */
export interface StdioTransportOptions {
  /** Line framing. @defaultValue 'text' */
  format: StdioFormat;
}

/** The streams a stdio transport uses (process stdin/stdout by default; injectable for tests). */
export interface StdioStreams {
  readonly input: Readable;
  readonly output: Writable;
}

/** Only one subscription may read a given input stream. */
const readers = new WeakSet<Readable>();

/**
 * `stdio://`: subscribe reads input lines as messages, publish writes each message as a line.
 * At-most-once towards the outside world (a line read is gone if the process dies), but within one
 * process a nacked line is redelivered (attempt + 1) until it is acked.
 */
export class StdioTransport implements Transport {
  readonly scheme = 'stdio';
  readonly capabilities: Capabilities = { ...AT_MOST_ONCE, maxMessageBytes: 64 * 1024 * 1024 };
  readonly #options: StdioTransportOptions;
  readonly #streams: StdioStreams;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<StdioSubscription>();
  #closed = false;

  constructor(options: StdioTransportOptions, streams: StdioStreams, logger: Logger) {
    this.#options = options;
    this.#streams = streams;
    this.#logger = logger;
  }

  /** Nothing to open; resolves at once. */
  async connect(): Promise<void> {}

  /** Writes one line per message and resolves once the stream accepted them (waits for drain). */
  async publish(_address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closed) throw new ClosedError('stdio transport is closed');
    const text = messages.map((m) => `${encodeLine(m, this.#options.format)}\n`).join('');
    if (text === '') return;
    await new Promise<void>((resolve, reject) => {
      this.#streams.output.write(text, (error) =>
        error
          ? reject(new ClosedError(`stdio: write failed: ${error.message}`, { cause: error }))
          : resolve(),
      );
    });
  }

  /** Starts reading input lines; rejects with {@link UnsupportedError} if the input is already read. */
  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) throw new ClosedError('stdio transport is closed');
    if (options.group !== undefined) throw new UnsupportedError('stdio: consumer groups are not supported');
    if (readers.has(this.#streams.input))
      throw new UnsupportedError('stdio: standard input is already being read by another subscription');
    readers.add(this.#streams.input);
    const subscription = new StdioSubscription(
      address,
      this.#streams.input,
      this.#options.format,
      handler,
      options.maxInFlight ?? 16,
      this.#logger,
      () => {
        readers.delete(this.#streams.input);
        this.#subscriptions.delete(subscription);
      },
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  health(): HealthStatus {
    return this.#closed ? { state: 'closed' } : { state: 'up' };
  }

  readonly close = once(async (options: CloseOptions = {}) => {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
  });
}

class StdioSubscription implements Subscription {
  readonly #tracker: DeliveryTracker;
  readonly #lines: Interface;
  readonly #pending: Array<{ message: Message; attempt: number }> = [];
  readonly #lifecycle: SubscriptionLifecycle;
  #ended = false;

  constructor(
    private readonly address: Address,
    input: Readable,
    private readonly format: StdioFormat,
    private readonly handler: DeliveryHandler,
    maxInFlight: number,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {
    this.#tracker = new DeliveryTracker({
      maxInFlight,
      onHandlerError: (error) =>
        logger.warn({ err: error }, 'stdio: handler failed, line will be redelivered'),
      onReleased: () => this.#pump(),
    });
    this.#lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    this.#lines.on('line', (line) => this.#onLine(line));
    this.#lines.on('close', () => {
      this.#ended = true;
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => {
        this.#lines.pause();
        this.#pending.length = 0;
      },
      release: () => {
        this.#lines.removeAllListeners('line');
        this.#lines.close();
        this.onClosed();
      },
    });
  }

  /** Resolves (with `undefined`) once `close()` finished. */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** True once the input reached its end and every line read from it was settled (acked). */
  get inputEnded(): boolean {
    return this.#ended && this.#pending.length === 0 && this.#tracker.inFlight === 0;
  }

  #onLine(line: string): void {
    if (line.trim() === '') return;
    try {
      this.#pending.push({ message: decodeLine(line, this.format), attempt: 1 });
    } catch (error) {
      this.logger.warn({ err: error }, 'stdio: input line skipped');
      return;
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#pending.length > 0 && this.#tracker.freeSlots > 0) {
      const next = this.#pending.shift();
      if (!next) break;
      this.#tracker.dispatch(this.handler, {
        message: next.message,
        attempt: next.attempt,
        source: { address: this.address },
        ack: () => undefined,
        nack: ({ requeue, delayMs }) => {
          if (!requeue) return;
          const again = { message: next.message, attempt: next.attempt + 1 };
          if (delayMs > 0) {
            setTimeout(() => {
              this.#pending.push(again);
              this.#pump();
            }, delayMs).unref();
          } else
            queueMicrotask(() => {
              this.#pending.push(again);
              this.#pump();
            });
        },
      });
    }
    // Backpressure: stop reading while the handler has no free slot.
    if (this.#ended) return;
    if (this.#pending.length > 0 || this.#tracker.freeSlots === 0) this.#lines.pause();
    else this.#lines.resume();
  }

  /** Stops reading, drops lines not yet handed out, waits for in-flight lines (see {@link Subscription.close}). */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);
}
