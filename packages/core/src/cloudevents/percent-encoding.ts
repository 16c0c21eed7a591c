import { DataError } from '../errors.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Percent-encodes a header value as the CloudEvents NATS binding requires: space, `"`, `%` and every
 * character outside printable ASCII (U+0021–U+007E) become `%XY` bytes of their UTF-8 encoding. Pure.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && char !== '"' && char !== '%') out += char;
    else
      for (const byte of encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Undoes {@link percentEncode}: first an RFC 7230 double-quoted value is unquoted, then one round of
 * percent-decoding. Throws {@link DataError} on a byte sequence that is not valid UTF-8 (overlong
 * encodings included). Pure.
 */
export function percentDecode(value: string): string {
  let text = value;
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
    text = text.slice(1, -1).replace(/\\(.)/g, '$1');
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (const token of text.match(/%[0-9a-fA-F]{2}|[^%]+|%/g) ?? []) {
    if (token.length === 3 && token.startsWith('%')) bytes.push(Number.parseInt(token.slice(1), 16));
    else bytes.push(...encoder.encode(token));
  }
  try {
    return strictDecoder.decode(Uint8Array.from(bytes));
  } catch (error) {
    throw new DataError('cloudevents: a percent-encoded header value is not valid UTF-8', { cause: error });
  }
}
