import { bodyBuffer, type Message, newMessageId } from '@polybus/core';
import { checkOutgoingHeaders, headerTextFromString, isValidHeaderName } from '@polybus/core/adapter-kit';

/** First bytes of a polybus Pub/Sub payload: `PB1\n`. */
export const ENVELOPE_MAGIC = Buffer.from('PB1\n', 'latin1');

interface EnvelopeMeta {
  id: string;
  key?: string;
  ts: number;
  headers: Record<string, string>;
}

/**
 * The Pub/Sub payload of a message: `PB1\n`, one line of JSON `{"id","key"?,"ts","headers"}`, `\n`,
 * then the raw body bytes. Pure. Throws a DataError for a header the header policy refuses.
 */
export function encodeEnvelope(message: Message): Buffer {
  checkOutgoingHeaders('redis', message.headers);
  const meta: EnvelopeMeta = { id: message.id, ts: message.timestamp, headers: { ...message.headers } };
  if (message.key !== undefined) meta.key = message.key;
  return Buffer.concat([
    ENVELOPE_MAGIC,
    Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8'),
    bodyBuffer(message.body),
  ]);
}

/**
 * The message of a Pub/Sub payload. A payload that is not a well-formed envelope (a foreign
 * publisher's) becomes the body as it is, with a generated id, no headers and `now` as timestamp.
 * Pure but for id generation; never throws.
 */
export function decodeEnvelope(payload: Buffer, now: number = Date.now()): Message {
  const foreign = (): Message =>
    Object.freeze({
      id: newMessageId(),
      body: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
      headers: Object.freeze({}),
      timestamp: now,
    });
  if (
    payload.length < ENVELOPE_MAGIC.length ||
    !payload.subarray(0, ENVELOPE_MAGIC.length).equals(ENVELOPE_MAGIC)
  ) {
    return foreign();
  }
  const end = payload.indexOf(0x0a, ENVELOPE_MAGIC.length);
  if (end < 0) return foreign();
  let meta: unknown;
  try {
    meta = JSON.parse(payload.subarray(ENVELOPE_MAGIC.length, end).toString('utf8'));
  } catch {
    return foreign();
  }
  if (!isMeta(meta)) return foreign();
  const body = payload.subarray(end + 1);
  const base = {
    id: meta.id,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    headers: Object.freeze(policyHeaders(meta.headers)),
    timestamp: meta.ts,
  };
  return Object.freeze(meta.key === undefined ? base : { ...base, key: meta.key });
}

function isMeta(value: unknown): value is EnvelopeMeta {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '' || typeof v.ts !== 'number' || !Number.isFinite(v.ts))
    return false;
  if (v.key !== undefined && typeof v.key !== 'string') return false;
  if (v.headers === null || typeof v.headers !== 'object' || Array.isArray(v.headers)) return false;
  return Object.values(v.headers as object).every((h) => typeof h === 'string');
}

/** Received envelope headers by the header policy: bad names dropped, CR/LF/NUL values as `base64:`. */
function policyHeaders(raw: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(raw))
    if (isValidHeaderName(name)) headers[name] = headerTextFromString(value);
  return headers;
}
