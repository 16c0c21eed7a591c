import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';

/**
 * The one header rule of every adapter (docs/security.md, "Header policy"), so that a header can
 * never split a line in a log, a NATS/HTTP header block or a terminal, and no byte is lost silently:
 *
 * - **Publish**: a header name must be non-empty, without control characters (U+0000–U+001F,
 *   U+007F) and valid Unicode (no lone surrogate); a value must not contain CR, LF or NUL and must be
 *   valid Unicode. Otherwise the publish is refused with a {@link DataError} (not retriable: a message
 *   fault, dead-lettered by the bridge) naming the header, never its value. See
 *   {@link checkOutgoingHeaders}.
 * - **Receive**: a value is text when its bytes are valid UTF-8 without CR, LF or NUL; any other
 *   value is `base64:` followed by the base64 of its bytes (see {@link headerTextFromBytes}). A name
 *   that breaks the publish rule is dropped (see {@link isValidHeaderName}).
 */
export const BASE64_HEADER_PREFIX = 'base64:';

/** A lone surrogate: a string that has one cannot be encoded as UTF-8. */
const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
/** C0 controls and DEL, or a lone surrogate. */
const BAD_NAME = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]|${LONE_SURROGATE}`,
);
/** CR, LF, NUL, or a lone surrogate. */
const BAD_VALUE = new RegExp(`[\\r\\n${String.fromCharCode(0)}]|${LONE_SURROGATE}`);

/** True when `name` may be a header name: non-empty, no control characters, valid Unicode. Pure. */
export function isValidHeaderName(name: string): boolean {
  return name.length > 0 && !BAD_NAME.test(name);
}

/** True when `value` may be a header value: no CR, LF or NUL, valid Unicode. Pure. */
export function isValidHeaderValue(value: string): boolean {
  return !BAD_VALUE.test(value);
}

/** A header name for an error message: JSON-quoted (control characters escaped), at most 64 characters. */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

/**
 * Throws {@link DataError} (not retriable) when a header breaks the publish rule: the message names
 * the adapter and the header (escaped, shortened), never the value. Pure; call it before anything
 * of the message is sent.
 */
export function checkOutgoingHeader(adapter: string, name: string, value: string): void {
  if (!isValidHeaderName(name))
    throw new DataError(
      `${adapter}: header name ${shown(name)} is empty, has control characters or is not valid Unicode`,
    );
  if (!isValidHeaderValue(value))
    throw new DataError(
      `${adapter}: the value of header ${shown(name)} contains CR, LF or NUL or is not valid Unicode`,
    );
}

/** {@link checkOutgoingHeader} for every header of a message. Pure; fast when all are plain text. */
export function checkOutgoingHeaders(adapter: string, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) {
    if (Object.hasOwn(headers, name)) checkOutgoingHeader(adapter, name, headers[name] as string);
  }
}

/**
 * A received header value given as bytes: the UTF-8 text when the bytes are valid UTF-8 without CR,
 * LF or NUL, else `base64:<base64 of the bytes>` (never silently replaced by U+FFFD). Pure.
 */
export function headerTextFromBytes(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer) && buffer.indexOf(0x0a) < 0 && buffer.indexOf(0x0d) < 0 && buffer.indexOf(0) < 0)
    return buffer.toString('utf8');
  return `${BASE64_HEADER_PREFIX}${buffer.toString('base64')}`;
}

/**
 * A received header value a client library already decoded to a string: as it is when it is a valid
 * value, else `base64:` of its UTF-8 bytes (a lone surrogate, which a decoder never produces, becomes
 * U+FFFD there). Pure.
 */
export function headerTextFromString(value: string): string {
  if (!BAD_VALUE.test(value)) return value;
  return `${BASE64_HEADER_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}`;
}

/**
 * A received header name given as bytes: its UTF-8 text, or undefined (drop the header) when the
 * bytes are not valid UTF-8 or the name breaks {@link isValidHeaderName}. Pure.
 */
export function headerNameFromBytes(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buffer)) return undefined;
  const name = buffer.toString('utf8');
  return isValidHeaderName(name) ? name : undefined;
}
