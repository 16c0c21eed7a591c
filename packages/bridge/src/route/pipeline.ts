import {
  type CloudEventAttributes,
  type CloudEventsBinding,
  type CloudEventsMode,
  DataError,
  type Message,
  readCloudEvent,
} from '@polybus/core';
import type { ExpressionLimits } from './expression-limits.js';
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionContext,
  expressionContext,
  isTruthy,
} from './expressions.js';
import { MessageFailure, type Stage } from './message-failure.js';
import type { StageSpan, StageTracer } from './route-tracing.js';
import { compileTransform, type TransformSpec } from './transform.js';

/** Anything a message may be routed to: selected by its `when` predicate (none: always). */
export interface Target {
  readonly when: CompiledExpression | undefined;
}

/** What the pipeline made of a message. */
export type PipelineResult<T extends Target> =
  /** The filter, or every target's `when`, dropped it: done, nothing to publish. */
  | { readonly verdict: 'filtered' }
  /** Publish `message` (transformed, or the original) to `targets` (in their order). */
  | { readonly verdict: 'forward'; readonly message: Message; readonly targets: readonly T[] }
  /** Decoding the body or an expression failed: the message's fault (kind `message`). */
  | { readonly verdict: 'failed'; readonly failure: MessageFailure };

/** The parts of a route config the pipeline runs. */
export interface PipelineSpec<T extends Target> {
  /** JSONata predicate; messages for which it does not hold are filtered. */
  readonly filter?: string | undefined;
  readonly transform?: TransformSpec | undefined;
  /** Where messages go, each with its optional `when`. */
  readonly targets: readonly T[];
  /**
   * How CloudEvents are read from the source: its connection's binding, and the mode every message
   * must be in (`required`; a message that is not a CloudEvent in that mode fails at stage `decode`).
   * Without `required`, a message is read as a CloudEvent only when an expression reads `ce`.
   */
  readonly cloudEvents?: { readonly binding: CloudEventsBinding; readonly required?: CloudEventsMode };
  /** Starts the filter and transform spans; absent when the process does not trace. */
  readonly tracer?: StageTracer | undefined;
  /** Bounds of every evaluation (default: DEFAULT_EXPRESSION_LIMITS). */
  readonly limits?: ExpressionLimits | undefined;
}

/** A route's message pipeline: filter, transform, `when`. */
export interface Pipeline<T extends Target> {
  /**
   * True when there is nothing to evaluate (no filter, transform or `when`): every message is forwarded
   * unchanged to every target, and a caller may skip {@link run} (one promise less per message).
   */
  readonly forwardsAll: boolean;
  /** Runs `message` through filter, transform and every `when`. Never rejects; does no I/O. */
  run(message: Message): Promise<PipelineResult<T>>;
}

/**
 * Compiles a pipeline once (throws the expression's error for one that does not compile). The body
 * is decoded only when an expression reads it, once per message (again after a transform only when a
 * `when` reads it). A route without filter, transform or `when` forwards every message unchanged.
 */
export function createPipeline<T extends Target>(spec: PipelineSpec<T>): Pipeline<T> {
  const filter = spec.filter === undefined ? undefined : compileExpression(spec.filter, spec.limits);
  const transform = spec.transform ? compileTransform(spec.transform, spec.limits) : undefined;
  const targets = spec.targets;
  const anyWhen = targets.some((t) => t.when);
  const whenNeedsBody = targets.some((t) => t.when?.needsBody);
  const required = spec.cloudEvents?.required;
  const binding = spec.cloudEvents?.binding;
  const needsContext = filter !== undefined || transform !== undefined || anyWhen || required !== undefined;
  const needsBody = Boolean(filter?.needsBody || transform?.needsBody || whenNeedsBody);
  const readsEvent =
    binding !== undefined &&
    (required !== undefined ||
      Boolean(filter?.needsCloudEvent || transform?.needsCloudEvent) ||
      targets.some((t) => t.when?.needsCloudEvent));
  const tracer = spec.tracer;
  const filtered: PipelineResult<T> = Object.freeze({ verdict: 'filtered' });

  /** The source message's CloudEvent attributes (DataError when `required` and it is not one). */
  const cloudEvent = (message: Message): CloudEventAttributes | undefined => {
    if (!readsEvent || binding === undefined) return undefined;
    let event: ReturnType<typeof readCloudEvent>;
    try {
      event = readCloudEvent(message, binding);
    } catch (error) {
      if (required !== undefined) throw error;
      return undefined; // not required: a malformed event is a message without `ce`
    }
    if (required !== undefined && event?.mode !== required)
      throw new DataError(
        event === undefined
          ? `not a CloudEvent (the source requires ${required}-mode CloudEvents, ${binding.name} binding)`
          : `a ${event.mode}-mode CloudEvent where the source requires ${required} mode`,
      );
    return event?.attributes;
  };

  const select = async (context: ExpressionContext): Promise<readonly T[]> => {
    const verdicts = await Promise.all(
      targets.map(async (t) => (t.when ? isTruthy(await t.when.evaluate(context)) : true)),
    );
    return targets.filter((_t, i) => verdicts[i]);
  };

  return {
    forwardsAll: !needsContext,
    async run(message) {
      if (!needsContext) return { verdict: 'forward', message, targets };
      let stage: Stage = 'decode';
      let span: StageSpan | undefined;
      try {
        const ce = cloudEvent(message);
        let context = expressionContext(message, needsBody, ce);
        if (filter) {
          stage = 'filter';
          span = tracer?.start('filter', message);
          const keep = isTruthy(await filter.evaluate(context));
          span?.end();
          span = undefined;
          if (!keep) return filtered;
        }
        let out = message;
        if (transform) {
          stage = 'transform';
          span = tracer?.start('transform', message);
          out = await transform.apply(message, context);
          span?.end();
          span = undefined;
          if (anyWhen && out !== message) context = expressionContext(out, whenNeedsBody, ce);
        }
        if (!anyWhen) return { verdict: 'forward', message: out, targets };
        stage = 'when';
        const selected = await select(context);
        if (selected.length === 0) return filtered;
        return { verdict: 'forward', message: out, targets: selected };
      } catch (error) {
        span?.end(error);
        // Decoding and expressions only fail because of the message: never retried.
        return { verdict: 'failed', failure: new MessageFailure(error, 'message', stage, 1) };
      }
    },
  };
}
