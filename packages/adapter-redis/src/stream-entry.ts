import { isUtf8 } from 'node:buffer';
import { bodyBuffer, type Message } from '@polybus/core';
import { checkOutgoingHeaders, headerTextFromBytes, isValidHeaderName } from '@polybus/core/adapter-kit';

/** Stream entry field holding the raw body bytes. Its presence marks a polybus-format entry. */
export const BODY_FIELD = 'body';
/** Field holding the message id. */
export const ID_FIELD = 'id';
/** Field holding the message key. */
export const KEY_FIELD = 'key';
/** Field holding the timestamp (ms since the epoch, decimal). */
export const TS_FIELD = 'ts';
/** Prefix of the fields holding headers: `h:<header name>`. */
export const HEADER_PREFIX = 'h:';

const utf8 = new TextEncoder();

/**
 * The XADD field/value list of a message: `body` (raw bytes), `id`, `key` (only when set), `ts`,
 * then one `h:<name>` field per header. Pure; the body is passed as a Buffer view, never re-encoded.
 * Throws a DataError for a header the header policy refuses (CR, LF, NUL, control characters).
 */
export function encodeEntry(message: Message): Array<string | Buffer> {
  checkOutgoingHeaders('redis', message.headers);
  const fields: Array<string | Buffer> = [BODY_FIELD, bodyBuffer(message.body), ID_FIELD, message.id];
  if (message.key !== undefined) fields.push(KEY_FIELD, message.key);
  fields.push(TS_FIELD, String(message.timestamp));
  for (const [name, value] of Object.entries(message.headers)) fields.push(`${HEADER_PREFIX}${name}`, value);
  return fields;
}

/** Milliseconds part of a stream entry id (`<ms>-<seq>`), or `fallback` when it is not one. */
export function entryIdTime(entryId: string, fallback: number): number {
  const ms = Number(entryId.split('-', 1)[0]);
  return Number.isFinite(ms) ? ms : fallback;
}

/** Headers of a foreign entry (no `body` field), whose body is a JSON object of its fields. */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/**
 * The message of a stream entry, written by polybus or by any other producer. Pure and total: never
 * throws. A field that appears several times counts with its last value, at its first position.
 *
 * - With a `body` field (polybus format): body = its bytes; id = the `id` field, else the entry id;
 *   key = the `key` field; timestamp = the `ts` field, else the entry id's time; headers = the
 *   `h:<name>` fields, plus any other field under its own name (an `h:` field wins on a clash).
 * - Without a `body` field (a foreign entry such as `XADD s * temp 21 city Oslo`): body = a JSON object
 *   of every field as a string (`{"temp":"21","city":"Oslo"}`), header `content-type:
 *   application/json`; id = the `id` field, else the entry id; key = the `key` field; timestamp = the
 *   entry id's time.
 *
 * Runs once per received entry, so it reads the field list in place (no Map, no closures) and builds
 * the message in one frozen literal.
 */
export function decodeEntry(entryId: string, raw: readonly Buffer[], now: number = Date.now()): Message {
  const count = raw.length >> 1;
  let names: string[] = new Array<string>(count);
  let values: Buffer[] = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const name = raw[2 * i]!;
    // a name that is not valid UTF-8 keeps its bytes (base64) behind a NUL: never a header name
    names[i] = isUtf8(name) ? name.toString('utf8') : `\u0000${name.toString('base64')}`;
    values[i] = raw[2 * i + 1]!;
  }
  if (hasRepeats(names)) ({ names, values } = lastValueWins(names, values));
  let body: Buffer | undefined;
  let idText: string | undefined;
  let key: string | undefined;
  let tsText: string | undefined;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name === BODY_FIELD) body = values[i];
    else if (name === ID_FIELD) idText = values[i]!.toString('utf8');
    else if (name === KEY_FIELD) key = values[i]!.toString('utf8');
    else if (name === TS_FIELD) tsText = values[i]!.toString('utf8');
  }
  const id = idText || entryId;
  if (body === undefined) {
    // Null prototype: fields named __proto__ or constructor stay real keys (issue 14).
    const object: Record<string, string> = Object.create(null);
    for (let i = 0; i < names.length; i++) object[names[i]!] = values[i]!.toString('utf8');
    return message(id, utf8.encode(JSON.stringify(object)), JSON_HEADERS, key, entryIdTime(entryId, now));
  }
  // Header policy: names that are not valid UTF-8 or have control characters are dropped, values are
  // UTF-8 text or `base64:`.
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const header = name.slice(HEADER_PREFIX.length);
    if (name.startsWith(HEADER_PREFIX) && isValidHeaderName(header))
      headers[header] = headerTextFromBytes(values[i]!);
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === BODY_FIELD || name === ID_FIELD || name === KEY_FIELD || name === TS_FIELD) continue;
    if (!name.startsWith(HEADER_PREFIX) && !(name in headers) && isValidHeaderName(name))
      headers[name] = headerTextFromBytes(values[i]!);
  }
  const ts = Number(tsText);
  return message(
    id,
    new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    Object.freeze(headers),
    key,
    tsText !== undefined && Number.isFinite(ts) ? ts : entryIdTime(entryId, now),
  );
}

/** True when a name occurs twice (entries have a handful of fields: pairwise below 16, else a Set). */
function hasRepeats(names: readonly string[]): boolean {
  if (names.length > 16) return new Set(names).size !== names.length;
  for (let i = 1; i < names.length; i++) for (let j = 0; j < i; j++) if (names[i] === names[j]) return true;
  return false;
}

/** Each name once, at its first position, with its last value. */
function lastValueWins(
  names: readonly string[],
  values: readonly Buffer[],
): { names: string[]; values: Buffer[] } {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i < names.length; i++) fields.set(names[i]!, values[i]!);
  return { names: [...fields.keys()], values: [...fields.values()] };
}

function message(
  id: string,
  body: Uint8Array,
  headers: Readonly<Record<string, string>>,
  key: string | undefined,
  timestamp: number,
): Message {
  return Object.freeze(
    key === undefined ? { id, body, headers, timestamp } : { id, body, headers, key, timestamp },
  );
}
