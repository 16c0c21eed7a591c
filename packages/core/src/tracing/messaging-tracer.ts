import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type Address, describeAddress } from '../address.js';
import { createMessage, type Message } from '../message.js';
import type { Delivery, DeliveryHandler, DeliverySource, NackOptions } from '../transport.js';
import { headerGetter, headerSetter } from './header-carrier.js';
import { messagingSystemOf } from './messaging-system.js';

/** The instrumentation scope polybus's spans are created under. */
export const TRACER_NAME = '@polybus/core';

/**
 * Producer and consumer spans for one connection, following the OpenTelemetry messaging semantic
 * conventions, with the W3C trace context carried in each message's headers (`traceparent`,
 * `tracestate`, `baggage`). It only uses `@opentelemetry/api`: without an SDK registered in the
 * process every call is a no-op, and nothing is injected. Stateless besides the tracer; safe to share.
 */
export class MessagingTracer {
  readonly #tracer: Tracer;
  readonly #system: string;

  /** `scheme` is the connection's URL scheme (it names `messaging.system`). */
  constructor(scheme: string, tracer: Tracer = trace.getTracer(TRACER_NAME)) {
    this.#tracer = tracer;
    this.#system = messagingSystemOf(scheme);
  }

  /**
   * Starts one `send <destination>` PRODUCER span per message and returns the messages with that
   * span's context in their headers, plus `end(error?)` to call once the publish settled. A message
   * that already carries a `traceparent` (a bridge forwarding it) gets its span as that context's
   * child; any other as a child of the active context. Attributes are set only on a span that is
   * sampled (recording): the sampler decides from the parent, never from attributes. Never throws.
   */
  startPublish(
    address: Address,
    messages: readonly Message[],
  ): { messages: Message[]; end(error?: unknown): void } {
    const destination = describeAddress(address);
    const spans: Span[] = [];
    const traced = messages.map((message) => {
      const carried = headerGetter.get(message.headers, 'traceparent') !== undefined;
      const parent = carried
        ? propagation.extract(ROOT_CONTEXT, message.headers, headerGetter)
        : context.active();
      const span = this.#tracer.startSpan(`send ${destination}`, { kind: SpanKind.PRODUCER }, parent);
      spans.push(span);
      if (!span.isRecording()) {
        // Not sampled: no attributes to build, and a message that carries its (unsampled) parent's
        // context already tells the next hop not to sample; only one without any gets this one's.
        return carried ? message : withTraceContext(message, trace.setSpan(parent, span));
      }
      span.setAttributes({
        ...this.#baseAttributes(destination, 'send'),
        'messaging.message.id': message.id,
        'messaging.batch.message_count': messages.length,
      });
      return withTraceContext(message, trace.setSpan(parent, span));
    });
    return {
      messages: traced,
      end: (error) => {
        for (const span of spans) endSpan(span, error);
      },
    };
  }

  /**
   * Wraps `handler` so that each delivery runs in a `process <destination>` CONSUMER span whose parent
   * is the producer's context from the message headers. The handler sees the message with the
   * consumer span's context in its headers (so what it publishes onwards continues the trace); the
   * span ends when the delivery is settled (an error status on nack). Never throws.
   */
  wrapHandler(address: Address, handler: DeliveryHandler): DeliveryHandler {
    const destination = describeAddress(address);
    return (delivery) => {
      const parent = propagation.extract(ROOT_CONTEXT, delivery.message.headers, headerGetter);
      const span = this.#tracer.startSpan(`process ${destination}`, { kind: SpanKind.CONSUMER }, parent);
      const active = trace.setSpan(parent, span);
      let message: Message;
      if (span.isRecording()) {
        span.setAttributes(this.#deliveryAttributes(destination, delivery));
        message = withTraceContext(delivery.message, active);
      } else {
        // Not sampled (the common case at a low sample ratio): no attributes, and no copy of a
        // message that already carries its unsampled parent's context.
        const carried = headerGetter.get(delivery.message.headers, 'traceparent') !== undefined;
        message = carried ? delivery.message : withTraceContext(delivery.message, active);
      }
      const traced = new TracedDelivery(delivery, message, span);
      return context.with(active, () => handler(traced));
    };
  }

  #baseAttributes(destination: string, operation: 'send' | 'process'): Attributes {
    return {
      'messaging.system': this.#system,
      'messaging.destination.name': destination,
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
    };
  }

  #deliveryAttributes(destination: string, delivery: Delivery): Attributes {
    const source: DeliverySource = delivery.source;
    const attributes: Attributes = {
      ...this.#baseAttributes(destination, 'process'),
      'messaging.message.id': delivery.message.id,
      'messaging.message.delivery_count': delivery.attempt,
    };
    if (source.group !== undefined) attributes['messaging.consumer.group.name'] = source.group;
    if (source.partition !== undefined)
      attributes['messaging.destination.partition.id'] = String(source.partition);
    if (this.#system === 'kafka') {
      if (source.offset !== undefined) attributes['messaging.kafka.offset'] = Number(source.offset);
      if (delivery.message.key !== undefined)
        attributes['messaging.kafka.message.key'] = delivery.message.key;
    }
    return attributes;
  }
}

/** `message` with `ctx`'s trace context in its headers (the same message when there is none to add). */
function withTraceContext(message: Message, ctx: Context): Message {
  const carried: Record<string, string> = {};
  propagation.inject(ctx, carried, headerSetter);
  if (Object.keys(carried).length === 0) return message;
  return createMessage({ ...message, headers: { ...message.headers, ...carried } });
}

function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
  }
  span.end();
}

/** A delivery whose first settle also ends its consumer span. */
class TracedDelivery implements Delivery {
  readonly message: Message;
  readonly #inner: Delivery;
  readonly #span: Span;
  #ended = false;

  constructor(inner: Delivery, message: Message, span: Span) {
    this.#inner = inner;
    this.message = message;
    this.#span = span;
  }

  get attempt(): number {
    return this.#inner.attempt;
  }

  get source(): DeliverySource {
    return this.#inner.source;
  }

  get settled(): boolean {
    return this.#inner.settled;
  }

  readonly ack = (): Promise<void> => {
    this.#end(undefined);
    return this.#inner.ack();
  };

  readonly nack = (options?: NackOptions): Promise<void> => {
    this.#end('nacked');
    return this.#inner.nack(options);
  };

  #end(failure: string | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    if (failure !== undefined) this.#span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
    this.#span.end();
  }
}
