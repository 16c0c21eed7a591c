import { CanonicalHeaders, DataError, type Message } from '@polybus/core';

const decoder = new TextDecoder('utf-8');

/** The last content-type seen and whether it says JSON: most messages of a route share one. */
let lastContentType: string | undefined;
let lastSaysJson = false;

function saysJson(contentType: string): boolean {
  if (contentType !== lastContentType) {
    lastContentType = contentType;
    lastSaysJson = /[/+]json\b/.test(contentType.toLowerCase());
  }
  return lastSaysJson;
}

/**
 * Whether `text` may be JSON: its first character after JSON whitespace can start a JSON value. (Other
 * leading whitespace makes JSON.parse fail anyway, so the text is text either way.)
 */
function mayBeJson(text: string): boolean {
  let i = 0;
  let c = text.charCodeAt(0);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
  if (c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39)) return true; // { [ " - 0-9
  return /^(true|false|null)\b/.test(text.slice(i, i + 6));
}

/**
 * Decodes a message body for expressions: JSON when the `content-type` header says JSON (invalid JSON
 * then throws {@link DataError}), else tried as JSON, else UTF-8 text. Pure.
 */
export function decodeBody(message: Pick<Message, 'body' | 'headers'>): unknown {
  const text = decoder.decode(message.body);
  const contentType = message.headers[CanonicalHeaders.contentType];
  if (contentType !== undefined && saysJson(contentType)) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new DataError(`body is not valid JSON although content-type is ${contentType.toLowerCase()}`, {
        cause: error,
      });
    }
  }
  if (mayBeJson(text)) {
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
  // Buffer.from takes small strings from Node's pool: about 3x faster than TextEncoder here.
  return Buffer.from(text, 'utf8');
}
