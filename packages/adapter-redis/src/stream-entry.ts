import { bodyBuffer, type Message } from '@polybus/core';

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
 */
export function encodeEntry(message: Message): Array<string | Buffer> {
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

/**
 * The message of a stream entry, written by polybus or by any other producer. Pure and total: never
 * throws.
 *
 * - With a `body` field (polybus format): body = its bytes; id = the `id` field, else the entry id;
 *   key = the `key` field; timestamp = the `ts` field, else the entry id's time; headers = the
 *   `h:<name>` fields, plus any other field under its own name (an `h:` field wins on a clash).
 * - Without a `body` field (a foreign entry such as `XADD s * temp 21 city Oslo`): body = a JSON object
 *   of every field as a string (`{"temp":"21","city":"Oslo"}`), header `content-type:
 *   application/json`; id = the `id` field, else the entry id; key = the `key` field; timestamp = the
 *   entry id's time.
 */
export function decodeEntry(entryId: string, raw: readonly Buffer[], now: number = Date.now()): Message {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!.toString('utf8'), raw[i + 1]!);
  const text = (name: string): string | undefined => fields.get(name)?.toString('utf8');
  const id = text(ID_FIELD) || entryId;
  const key = text(KEY_FIELD);
  const body = fields.get(BODY_FIELD);
  if (body === undefined) {
    const object: Record<string, string> = {};
    for (const [name, value] of fields) object[name] = value.toString('utf8');
    return freeze({
      id,
      body: utf8.encode(JSON.stringify(object)),
      headers: { 'content-type': 'application/json' },
      key,
      timestamp: entryIdTime(entryId, now),
    });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name === BODY_FIELD || name === ID_FIELD || name === KEY_FIELD || name === TS_FIELD) continue;
    if (name.startsWith(HEADER_PREFIX)) headers[name.slice(HEADER_PREFIX.length)] = value.toString('utf8');
  }
  for (const [name, value] of fields) {
    if (name === BODY_FIELD || name === ID_FIELD || name === KEY_FIELD || name === TS_FIELD) continue;
    if (!name.startsWith(HEADER_PREFIX) && !(name in headers)) headers[name] = value.toString('utf8');
  }
  const ts = Number(text(TS_FIELD));
  return freeze({
    id,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    headers,
    key,
    timestamp: text(TS_FIELD) !== undefined && Number.isFinite(ts) ? ts : entryIdTime(entryId, now),
  });
}

function freeze(m: {
  id: string;
  body: Uint8Array;
  headers: Record<string, string>;
  key: string | undefined;
  timestamp: number;
}): Message {
  const headers = Object.freeze(m.headers);
  return Object.freeze(
    m.key === undefined
      ? { id: m.id, body: m.body, headers, timestamp: m.timestamp }
      : { id: m.id, body: m.body, headers, key: m.key, timestamp: m.timestamp },
  );
}
