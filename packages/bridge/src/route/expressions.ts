import { type CloudEventAttributes, DataError, type Message } from '@polybus/core';
import jsonata from 'jsonata';
import { decodeBody } from './body-codec.js';
import { compileDirect, UNDECIDED } from './direct-evaluator.js';
import {
  DEFAULT_EXPRESSION_LIMITS,
  describeExpressionFailure,
  type ExpressionLimits,
  jsonataGuardrails,
  literalErrorMessages,
} from './expression-limits.js';
import { OneAtATime } from './one-at-a-time.js';

/**
 * jsonata evaluations of the whole process, one at a time. An evaluation awaits at every node, so
 * evaluations of messages in flight together would interleave and each one's time budget (wall
 * clock) would pay for all of them: on a loaded machine good messages were dead-lettered as "time
 * budget exceeded". Run one after another, each budget measures that evaluation; being CPU-bound on
 * one thread, they take no longer in total.
 */
const evaluations = new OneAtATime();

/** What every expression sees: the message with its body decoded. */
export interface ExpressionContext {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly timestamp: number;
  /**
   * The CloudEvent attributes (`ce.type`, `ce.source`, `ce.id`, extensions...) when the message is a
   * CloudEvent under the source connection's binding; `undefined` otherwise, or when no expression
   * reads `ce`.
   */
  readonly ce?: CloudEventAttributes | undefined;
}

/** A JSONata expression compiled once. */
export interface CompiledExpression {
  /** The source text. */
  readonly source: string;
  /** True when the expression may read the body (so the body must be decoded for it). */
  readonly needsBody: boolean;
  /** True when the expression may read `ce` (so the CloudEvent must be read for it). */
  readonly needsCloudEvent: boolean;
  /** Evaluates against a context; rejects with {@link DataError} when the expression throws. */
  evaluate(context: ExpressionContext): Promise<unknown>;
}

/** Why an expression did not compile (syntax error), with its position. */
export class ExpressionSyntaxError extends DataError {}

/**
 * Compiles a JSONata expression once. Throws {@link ExpressionSyntaxError} with the position on a
 * syntax error. Does no I/O. Simple expressions (literals, field paths, object constructors of those)
 * are evaluated synchronously by {@link compileDirect} with jsonata's results; jsonata evaluates the
 * rest, and any input the direct evaluator leaves undecided. Every jsonata evaluation is bounded by
 * `limits` (see expression-limits.ts); exceeding them rejects with a {@link DataError}. jsonata
 * evaluations of the process run one at a time, so a budget counts only its own evaluation, and an
 * evaluation over the time budget is run once more before it rejects. Error messages
 * name the error kind, code and position, never the source (it may hold a secret) nor body values.
 */
export function compileExpression(
  source: string,
  limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS,
): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source, jsonataGuardrails(limits));
  } catch (error) {
    throw new ExpressionSyntaxError(`invalid JSONata expression: ${describeSyntaxError(error)}`, {
      cause: error,
    });
  }
  const direct = compileDirect(compiled.ast());
  const authored = literalErrorMessages(compiled.ast());
  return {
    source,
    needsBody: /\bbody\b/.test(source) || /\$(?![A-Za-z0-9_])/.test(source),
    needsCloudEvent: /\bce\b/.test(source) || /\$(?![A-Za-z0-9_])/.test(source),
    async evaluate(context) {
      if (direct) {
        const value = direct(context);
        if (value !== UNDECIDED) return value;
      }
      const once = () => evaluations.run(() => compiled.evaluate(context));
      try {
        try {
          return await once();
        } catch (error) {
          // Over the time budget once: maybe a cold start (the first evaluations of an expression
          // run before it is compiled to machine code, ~50 ms on a loaded machine) or the process
          // was not scheduled; only a second overrun makes the message a poison one.
          if (!isTimeBudgetExceeded(error)) throw error;
          return await once();
        }
      } catch (error) {
        throw new DataError(`expression failed: ${describeExpressionFailure(error, authored)}`, {
          cause: error,
        });
      }
    },
  };
}

/** True for jsonata's "time budget exceeded" (D1012). */
function isTimeBudgetExceeded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'D1012';
}

/** A syntax error's code and position; the message is left out (it quotes tokens of the source). */
function describeSyntaxError(error: unknown): string {
  const detail = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    position?: unknown;
  };
  const code = typeof detail.code === 'string' && /^[A-Z]\d{4}$/.test(detail.code) ? detail.code : 'syntax';
  const position = typeof detail.position === 'number' ? ` at character ${detail.position}` : '';
  return `syntax error (${code}${position})`;
}

/**
 * Builds the evaluation context of a message. The body is decoded (see {@link decodeBody}) only when
 * `decode` is true, else it is `undefined`; decoding errors surface as {@link DataError}. `ce` is
 * the message's CloudEvent attributes when the caller read them. Pure.
 */
export function expressionContext(
  message: Message,
  decode: boolean,
  ce?: CloudEventAttributes,
): ExpressionContext {
  return {
    id: message.id,
    key: message.key,
    headers: message.headers,
    body: decode ? decodeBody(message) : undefined,
    timestamp: message.timestamp,
    ce,
  };
}

/**
 * JSONata truthiness of a predicate result, as its `$boolean`: `undefined`, `false`, `null`, `0`, `''`,
 * an empty object, a function and an array with no truthy member are false. Pure.
 */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'function') return false;
  if (typeof value === 'object' && value !== null) {
    for (const key in value) if (Object.hasOwn(value, key)) return true;
    return false;
  }
  return Boolean(value);
}
