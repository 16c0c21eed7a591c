import { DataError, type Message } from '@polybus/core';
import jsonata from 'jsonata';
import { decodeBody } from './body-codec.js';
import { compileDirect, UNDECIDED } from './direct-evaluator.js';

/** What every expression sees: the message with its body decoded. */
export interface ExpressionContext {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly timestamp: number;
}

/** A JSONata expression compiled once. */
export interface CompiledExpression {
  /** The source text. */
  readonly source: string;
  /** True when the expression may read the body (so the body must be decoded for it). */
  readonly needsBody: boolean;
  /** Evaluates against a context; rejects with {@link DataError} when the expression throws. */
  evaluate(context: ExpressionContext): Promise<unknown>;
}

/** Why an expression did not compile (syntax error), with its position. */
export class ExpressionSyntaxError extends DataError {}

/**
 * Compiles a JSONata expression once. Throws {@link ExpressionSyntaxError} with the position on a
 * syntax error. Does no I/O. Simple expressions (literals, field paths, object constructors of those)
 * are evaluated synchronously by {@link compileDirect} with jsonata's results; jsonata evaluates the
 * rest, and any input the direct evaluator leaves undecided.
 */
export function compileExpression(source: string): CompiledExpression {
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source);
  } catch (error) {
    const detail = error as { message?: string; position?: number };
    throw new ExpressionSyntaxError(
      `invalid JSONata expression ${JSON.stringify(source)}: ${detail.message ?? String(error)}${detail.position === undefined ? '' : ` (at character ${detail.position})`}`,
      { cause: error },
    );
  }
  const direct = compileDirect(compiled.ast());
  const oneLine = source.replace(/\s+/g, ' ').trim();
  const shortSource = JSON.stringify(oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine);
  return {
    source,
    needsBody: /\bbody\b/.test(source) || /\$(?![A-Za-z0-9_])/.test(source),
    async evaluate(context) {
      if (direct) {
        const value = direct(context);
        if (value !== UNDECIDED) return value;
      }
      try {
        return await compiled.evaluate(context);
      } catch (error) {
        const message = (error as { message?: string }).message ?? String(error);
        throw new DataError(`expression ${shortSource} failed: ${message}`, { cause: error });
      }
    },
  };
}

/**
 * Builds the evaluation context of a message. The body is decoded (see {@link decodeBody}) only when
 * `decode` is true, else it is `undefined`; decoding errors surface as {@link DataError}. Pure.
 */
export function expressionContext(message: Message, decode: boolean): ExpressionContext {
  return {
    id: message.id,
    key: message.key,
    headers: message.headers,
    body: decode ? decodeBody(message) : undefined,
    timestamp: message.timestamp,
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
