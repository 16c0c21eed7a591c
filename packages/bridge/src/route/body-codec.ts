import { CanonicalHeaders, DataError, type Message } from '@polybus/core';

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/**
 * Decodes a message body for expressions: JSON when the `content-type` header says JSON (invalid JSON
 * then throws {@link DataError}), else tried as JSON, else UTF-8 text. Pure.
 */
export function decodeBody(message: Pick<Message, 'body' | 'headers'>): unknown {
  const text = decoder.decode(message.body);
  const contentType = message.headers[CanonicalHeaders.contentType]?.toLowerCase() ?? '';
  if (/[/+]json\b/.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new DataError(`body is not valid JSON although content-type is ${contentType}`, { cause: error });
    }
  }
  const trimmed = text.trimStart();
  const first = trimmed[0];
  if (
    first === '{' ||
    first === '[' ||
    first === '"' ||
    (first !== undefined && /[-\d]/.test(first)) ||
    /^(true|false|null)\b/.test(trimmed)
  ) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Encodes a transform result as JSON bytes; throws {@link DataError} when it has no JSON form. Pure. */
export function encodeJsonBody(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new DataError('transform result cannot be encoded as JSON', { cause: error });
  }
  if (text === undefined) throw new DataError('transform body produced no value');
  return encoder.encode(text);
}
