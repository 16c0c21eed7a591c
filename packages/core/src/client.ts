import type { ContainerModule } from 'inversify';
import type { Address } from './address.js';
import type { Capabilities } from './capabilities.js';
import { ConfigError, UnsupportedError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { memoryAdapter } from './memory/memory-adapter.js';
import { createMessage, type Message, type MessageInput } from './message.js';
import { type AdapterDescriptor, AdapterRegistry } from './registry.js';
import { MessagingTracer } from './tracing/messaging-tracer.js';
import {
  type CloseOptions,
  type DeliveryHandler,
  type HealthStatus,
  isRequester,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from './transport.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Registry to resolve the URL's scheme in. @defaultValue a registry with `memory://` and `adapters` */
  registry?: AdapterRegistry;
  /** Adapters to register on the default registry (ignored when `registry` is given). */
  adapters?: ReadonlyArray<AdapterDescriptor | ContainerModule>;
  /** Adapter options, validated by the adapter's schema. */
  options?: Record<string, unknown>;
  logger?: Logger;
  /**
   * Creates OpenTelemetry PRODUCER spans on publish and CONSUMER spans around each delivery, with the
   * W3C trace context carried in message headers. Needs an OpenTelemetry SDK registered in the
   * process (without one it costs little and records nothing).
   * @defaultValue false
   */
  tracing?: boolean;
}

/** Options of {@link Bus.subscribe}. */
export interface BusSubscribeOptions extends SubscribeOptions {
  /**
   * `'auto'`: the handler resolving acks the delivery, throwing nacks it (requeue). `'manual'`: the
   * handler settles the delivery itself (the bridge's mode); an unsettled delivery stays in flight.
   * @defaultValue 'auto'
   */
  ack?: 'auto' | 'manual';
}

/** The facade a team uses everywhere, whatever the broker. */
export interface Bus {
  readonly transport: Transport;
  readonly capabilities: Capabilities;
  /**
   * Publishes one or several messages, in order, and resolves with the normalised messages (ids
   * filled in) once the broker confirmed all of them. Rejects with a PolybusError.
   */
  publish(address: Address, messages: MessageInput | readonly MessageInput[]): Promise<Message[]>;
  /** Subscribes `handler`; see {@link BusSubscribeOptions} for ack modes. Resolves once established. */
  subscribe(address: Address, handler: DeliveryHandler, options?: BusSubscribeOptions): Promise<Subscription>;
  /** Request/reply where the transport offers it; else rejects with {@link UnsupportedError}. */
  request(address: Address, message: MessageInput, options?: { timeoutMs?: number }): Promise<Message>;
  health(): HealthStatus;
  /** Closes every subscription (draining in-flight handlers) and the connection. Safe to call twice. */
  close(options?: CloseOptions): Promise<void>;
}

/** Wraps a handler so that its outcome settles the delivery ('auto' ack mode). */
export function autoAck(handler: DeliveryHandler): DeliveryHandler {
  return async (delivery) => {
    try {
      await handler(delivery);
    } catch (error) {
      if (!delivery.settled) await delivery.nack().catch(() => undefined);
      throw error;
    }
    if (!delivery.settled) await delivery.ack();
  };
}

class TransportBus implements Bus {
  readonly #tracer: MessagingTracer | undefined;

  constructor(
    readonly transport: Transport,
    tracing = false,
  ) {
    this.#tracer = tracing ? new MessagingTracer(transport.scheme) : undefined;
  }

  get capabilities(): Capabilities {
    return this.transport.capabilities;
  }

  async publish(address: Address, messages: MessageInput | readonly MessageInput[]): Promise<Message[]> {
    const list = (Array.isArray(messages) ? messages : [messages]) as readonly MessageInput[];
    const normalised = list.map((m) => createMessage(m));
    if (normalised.length === 0) return normalised;
    if (this.#tracer === undefined) {
      await this.transport.publish(address, normalised);
      return normalised;
    }
    const traced = this.#tracer.startPublish(address, normalised);
    try {
      await this.transport.publish(address, traced.messages);
    } catch (error) {
      traced.end(error);
      throw error;
    }
    traced.end();
    return traced.messages;
  }

  subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: BusSubscribeOptions = {},
  ): Promise<Subscription> {
    const { ack = 'auto', ...subscribeOptions } = options;
    if (ack !== 'auto' && ack !== 'manual')
      throw new ConfigError(`subscribe: ack must be 'auto' or 'manual', got ${String(ack)}`);
    const acking = ack === 'auto' ? autoAck(handler) : handler;
    const traced = this.#tracer === undefined ? acking : this.#tracer.wrapHandler(address, acking);
    return this.transport.subscribe(address, traced, subscribeOptions);
  }

  async request(address: Address, message: MessageInput, options?: { timeoutMs?: number }): Promise<Message> {
    if (!isRequester(this.transport))
      throw new UnsupportedError(`${this.transport.scheme}: request/reply is not supported`);
    return this.transport.request(address, createMessage(message), options);
  }

  health(): HealthStatus {
    return this.transport.health();
  }

  close(options?: CloseOptions): Promise<void> {
    return this.transport.close(options);
  }
}

/** Wraps an existing transport in the {@link Bus} facade (connect it first). */
export function busOf(transport: Transport): Bus {
  return new TransportBus(transport);
}

/**
 * Connects to `url` with the adapter registered for its scheme and returns a {@link Bus}.
 * `memory://` is always available; other schemes need their adapter in `options.adapters` or
 * `options.registry`. Rejects with {@link UnknownSchemeError}, {@link ConfigError} (bad options) or
 * {@link ConnectionError}.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Bus> {
  const registry =
    options.registry ?? new AdapterRegistry().register(memoryAdapter, ...(options.adapters ?? []));
  const transport = registry.createTransport(url, options.options ?? {}, {
    logger: options.logger ?? silentLogger,
  });
  await transport.connect();
  return new TransportBus(transport, options.tracing);
}
