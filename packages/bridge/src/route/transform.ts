import { CanonicalHeaders, DataError, type Message } from '@polybus/core';
import { encodeJsonBody } from './body-codec.js';
import type { ExpressionLimits } from './expression-limits.js';
import { type CompiledExpression, compileExpression, type ExpressionContext } from './expressions.js';

/** A compiled `transform` block. */
export interface CompiledTransform {
  readonly needsBody: boolean;
  /** True when an expression may read `ce`. */
  readonly needsCloudEvent: boolean;
  /** Applies the transform; rejects with {@link DataError} (a data error: dead-letter at once). */
  apply(message: Message, context: ExpressionContext): Promise<Message>;
}

/** The `transform` block as written in the config. */
export interface TransformSpec {
  readonly body?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly key?: string | undefined;
}

/**
 * Compiles a transform once. The result keeps the message id and timestamp; `body` (when given) is
 * re-encoded as JSON with `content-type: application/json`; each `headers` entry sets (or, when it
 * yields nothing, removes) one header; `key` replaces the key. Throws on a syntax error.
 */
export function compileTransform(spec: TransformSpec, limits?: ExpressionLimits): CompiledTransform {
  const body = spec.body === undefined ? undefined : compileExpression(spec.body, limits);
  const headerExpressions = Object.entries(spec.headers ?? {}).map(
    ([name, source]) => [name, compileExpression(source, limits)] as const,
  );
  const key = spec.key === undefined ? undefined : compileExpression(spec.key, limits);
  const all: CompiledExpression[] = [
    ...(body ? [body] : []),
    ...headerExpressions.map(([, e]) => e),
    ...(key ? [key] : []),
  ];
  return {
    needsBody: all.some((e) => e.needsBody),
    needsCloudEvent: all.some((e) => e.needsCloudEvent),
    async apply(message, context) {
      // Built here rather than through createMessage, which would copy and check the headers again:
      // they are the source message's strings plus the strings set below.
      const headers: Record<string, string> = { ...message.headers };
      let bytes = message.body;
      let outKey = message.key;
      if (body) {
        bytes = encodeJsonBody(await body.evaluate(context));
        headers[CanonicalHeaders.contentType] = 'application/json';
      }
      for (const [name, expression] of headerExpressions) {
        const value = await expression.evaluate(context);
        if (value === undefined || value === null) delete headers[name];
        else headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      if (key) {
        const value = await key.evaluate(context);
        if (value === undefined || value === null) outKey = undefined;
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          outKey = String(value);
        else throw new DataError(`transform key must yield a string, got ${typeof value}`);
      }
      const out: Message =
        outKey === undefined
          ? { id: message.id, body: bytes, headers: Object.freeze(headers), timestamp: message.timestamp }
          : {
              id: message.id,
              body: bytes,
              headers: Object.freeze(headers),
              key: outKey,
              timestamp: message.timestamp,
            };
      return Object.freeze(out);
    },
  };
}
