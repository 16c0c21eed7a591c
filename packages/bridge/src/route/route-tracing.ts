import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type Address,
  createMessage,
  type DeliveryHandler,
  describeAddress,
  headerSetter,
  type Message,
  MessagingTracer,
  messagingSystemOf,
  TRACER_NAME,
} from '@polybus/core';
import { MessageFailure } from './message-failure.js';
import type { Sink } from './sink.js';

/** A route stage that gets its own span. */
export type TracedStage = 'filter' | 'transform' | 'publish' | 'dead-letter';

/** A started stage span. */
export interface StageSpan {
  /** Ends the span (an error status when `error` is given). Call once. */
  end(error?: unknown): void;
}

/** Starts stage spans; what the pipeline needs. */
export interface StageTracer {
  /** Starts an INTERNAL span for `stage` as a child of the active context (the delivery's consumer span). */
  start(stage: 'filter' | 'transform', message: Message): StageSpan;
}

/**
 * The spans of one route, following the OpenTelemetry messaging conventions: a CONSUMER span per
 * delivery (core's {@link MessagingTracer} for the source's scheme), INTERNAL children for the stages
 * (filter, transform, publish per sink, dead-letter) with `messaging.*` attributes and
 * `polybus.route`, and a PRODUCER span per sink publish (the sink scheme's `MessagingTracer`) as a
 * child of its stage span, whose context travels on in the published message's headers.
 *
 * Only created when the process traces: a route without tracing has none of these wrappers.
 * Stateless besides per-sink tracers; safe to share across deliveries.
 */
export class RouteTracing implements StageTracer {
  readonly #route: string;
  readonly #sourceScheme: string;
  readonly #sourceDestination: string;
  readonly #tracer: Tracer;
  readonly #sinkTracers = new Map<Sink, MessagingTracer>();

  constructor(route: string, sourceScheme: string, sourceAddress: Address, tracer?: Tracer) {
    this.#route = route;
    this.#sourceScheme = sourceScheme;
    this.#sourceDestination = describeAddress(sourceAddress);
    this.#tracer = tracer ?? trace.getTracer(TRACER_NAME);
  }

  /**
   * `handler` run inside a CONSUMER span per delivery (parent: the producer's context in the
   * message headers), which also carries `polybus.route`. The span ends when the delivery settles.
   */
  wrapSource(sourceAddress: Address, handler: DeliveryHandler): DeliveryHandler {
    const route = this.#route;
    return new MessagingTracer(this.#sourceScheme, this.#tracer).wrapHandler(sourceAddress, (delivery) => {
      trace.getActiveSpan()?.setAttribute('polybus.route', route);
      return handler(delivery);
    });
  }

  start(stage: 'filter' | 'transform', message: Message): StageSpan {
    if (!deliveryIsSampled()) return UNSAMPLED_STAGE;
    const span = this.#startStage(stage, {
      'messaging.system': messagingSystemOf(this.#sourceScheme),
      'messaging.destination.name': this.#sourceDestination,
      'messaging.message.id': message.id,
    });
    return { end: (error) => endSpan(span, error) };
  }

  /**
   * Runs `publish` for `message` to `sink` inside a `publish` (or `dead-letter`) INTERNAL span, with
   * a PRODUCER span as its child: `publish` gets the message carrying the producer span's context.
   * Both spans end when `publish` settles; its result or rejection is passed through.
   */
  async publish<T>(
    sink: Sink,
    message: Message,
    stage: 'publish' | 'dead-letter',
    publish: (message: Message) => Promise<T>,
  ): Promise<T> {
    // An unsampled delivery gets no stage span and no attributes: the message goes on with the
    // unsampled trace context it carries, so the next hop does not sample it either; one that lost it
    // in a transform gets it back from the (non-recording) producer span.
    if (!deliveryIsSampled()) {
      const unsampled = this.#sinkTracer(sink).startPublish(sink.address, [message]);
      unsampled.end();
      return publish(unsampled.messages[0] as Message);
    }
    const span = this.#startStage(stage, {
      'messaging.system': messagingSystemOf(sink.transport.scheme),
      'messaging.destination.name': describeAddress(sink.address),
      'messaging.message.id': message.id,
      'polybus.sink': sink.label,
    });
    const active = trace.setSpan(context.active(), span);
    // The message carries its consumer span's context: point it at this stage span, so the
    // producer span below is this span's child.
    const carried: Record<string, string> = {};
    propagation.inject(active, carried, headerSetter);
    const staged =
      Object.keys(carried).length === 0
        ? message
        : createMessage({ ...message, headers: { ...message.headers, ...carried } });
    const producer = this.#sinkTracer(sink).startPublish(sink.address, [staged]);
    try {
      const result = await context.with(active, () => publish(producer.messages[0] as Message));
      producer.end();
      endSpan(span);
      return result;
    } catch (error) {
      producer.end(error);
      endSpan(span, error);
      throw error;
    }
  }

  #startStage(stage: TracedStage, attributes: Attributes): Span {
    return this.#tracer.startSpan(`${stage} ${this.#route}`, {
      kind: SpanKind.INTERNAL,
      attributes: { ...attributes, 'polybus.route': this.#route, 'polybus.stage': stage },
    });
  }

  #sinkTracer(sink: Sink): MessagingTracer {
    let tracer = this.#sinkTracers.get(sink);
    if (tracer === undefined) {
      tracer = new MessagingTracer(sink.transport.scheme, this.#tracer);
      this.#sinkTracers.set(sink, tracer);
    }
    return tracer;
  }
}

/** A stage span of an unsampled delivery: nothing to end. */
const UNSAMPLED_STAGE: StageSpan = { end() {} };

/** Whether the delivery being handled (its CONSUMER span, the active one) is sampled. */
function deliveryIsSampled(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}

function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const cause = error instanceof MessageFailure ? error.error : error;
    const message = cause instanceof Error ? cause.name : 'error';
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  span.end();
}
