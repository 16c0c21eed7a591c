import { CanonicalHeaders, createMessage, DataError, type Message } from '@polybus/core';
import { encodeJsonBody } from './body-codec.js';
import { type CompiledExpression, compileExpression, type ExpressionContext } from './expressions.js';

/** A compiled `transform` block. */
export interface CompiledTransform {
  readonly needsBody: boolean;
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
export function compileTransform(spec: TransformSpec): CompiledTransform {
  const body = spec.body === undefined ? undefined : compileExpression(spec.body);
  const headers = Object.entries(spec.headers ?? {}).map(
    ([name, source]) => [name, compileExpression(source)] as const,
  );
  const key = spec.key === undefined ? undefined : compileExpression(spec.key);
  const all: CompiledExpression[] = [
    ...(body ? [body] : []),
    ...headers.map(([, e]) => e),
    ...(key ? [key] : []),
  ];
  return {
    needsBody: all.some((e) => e.needsBody),
    async apply(message, context) {
      const out: {
        id: string;
        body: Uint8Array;
        headers: Record<string, string>;
        key?: string;
        timestamp: number;
      } = {
        id: message.id,
        body: message.body,
        headers: { ...message.headers },
        timestamp: message.timestamp,
      };
      if (message.key !== undefined) out.key = message.key;
      if (body) {
        out.body = encodeJsonBody(await body.evaluate(context));
        out.headers[CanonicalHeaders.contentType] = 'application/json';
      }
      for (const [name, expression] of headers) {
        const value = await expression.evaluate(context);
        if (value === undefined || value === null) delete out.headers[name];
        else out.headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      if (key) {
        const value = await key.evaluate(context);
        if (value === undefined || value === null) delete out.key;
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          out.key = String(value);
        else
          throw new DataError(
            `transform key ${JSON.stringify(key.source)} must yield a string, got ${typeof value}`,
          );
      }
      return createMessage(out);
    },
  };
}
