import { CanonicalHeaders, DataError, type Message, newMessageId } from '@polybus/core';
import {
  checkOutgoingHeaders,
  expirationHeaderMs,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
  priorityHeader,
} from '@polybus/core/adapter-kit';

/** Header for the AMQP 1.0 `subject` property (no canonical name of its own). */
export const SUBJECT_HEADER = 'subject';

/**
 * The AMQP 1.0 message fields the adapter writes on publish, in rhea's shape (rhea encodes it). The
 * body is set by the publisher (a data section holding the bytes as they are).
 */
export interface Amqp1OutgoingFields {
  message_id: string;
  creation_time: Date;
  durable: true;
  group_id?: string;
  correlation_id?: string;
  reply_to?: string;
  content_type?: string;
  content_encoding?: string;
  subject?: string;
  ttl?: number;
  priority?: number;
  application_properties?: Record<string, string>;
}

/** The fields of a received AMQP 1.0 message the mapping reads (as rhea decodes them; all optional). */
export interface Amqp1IncomingFields {
  message_id?: unknown;
  correlation_id?: unknown;
  reply_to?: unknown;
  content_type?: unknown;
  content_encoding?: unknown;
  subject?: unknown;
  group_id?: unknown;
  creation_time?: unknown;
  ttl?: unknown;
  priority?: unknown;
  application_properties?: Record<string, unknown> | undefined;
}

/**
 * Maps an envelope to AMQP 1.0 properties, header and application-properties. Pure. `id` becomes
 * `message-id`, `key` `group-id`, `timestamp` `creation-time` (ms, exact); the headers
 * `correlation-id`, `reply-to`, `content-type`, `content-encoding`, `subject` become properties and
 * `expiration` (ms) / `priority` (0-255) the header's `ttl` / `priority`; the `message-id` and
 * `timestamp` headers are dropped (the envelope's own fields win); every other header goes to
 * application-properties as a string. Messages are always `durable`. Throws {@link DataError} for a
 * header that breaks the core header policy (CR, LF, NUL, control characters in a name; see
 * `checkOutgoingHeaders`), an `expiration` that is not a whole number of ms or a `priority` out of range.
 */
export function toAmqp1Fields(message: Message): Amqp1OutgoingFields {
  checkOutgoingHeaders('amqp1', message.headers);
  const fields: Amqp1OutgoingFields = {
    message_id: message.id,
    creation_time: new Date(message.timestamp),
    durable: true,
  };
  if (message.key !== undefined) fields.group_id = message.key;
  let app: Record<string, string> | undefined;
  const headers = message.headers;
  for (const name in headers) {
    const value = headers[name] as string;
    switch (name) {
      case CanonicalHeaders.messageId:
      case CanonicalHeaders.timestamp:
        break;
      case CanonicalHeaders.correlationId:
        fields.correlation_id = value;
        break;
      case CanonicalHeaders.replyTo:
        fields.reply_to = value;
        break;
      case CanonicalHeaders.contentType:
        fields.content_type = value;
        break;
      case CanonicalHeaders.contentEncoding:
        fields.content_encoding = value;
        break;
      case SUBJECT_HEADER:
        fields.subject = value;
        break;
      case CanonicalHeaders.expiration:
        // an AMQP 1.0 ttl is a uint
        fields.ttl = expirationHeaderMs(message, value, 0xffffffff);
        break;
      case CanonicalHeaders.priority:
        fields.priority = priorityHeader(message, value);
        break;
      default:
        app ??= Object.create(null) as Record<string, string>;
        app[name] = value;
    }
  }
  if (app !== undefined) fields.application_properties = app;
  return fields;
}

/**
 * Converts an AMQP 1.0 value (a property or application-property of a foreign producer) to a string:
 * strings as they are, 16-byte UUIDs in their text form, other binary as UTF-8, numbers, bigints and
 * booleans with `String`, timestamps as epoch ms, null as `''`, anything else as JSON. Pure.
 */
export function amqpValueToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return String(value.getTime());
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Converts a message id or correlation id (string, ulong, uuid or binary) to a string: 16 bytes (rhea
 * decodes a uuid id as such) in UUID text form, other binary as its text when it is clean UTF-8, else
 * `base64:` + its bytes. Pure.
 */
export function messageIdToString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array && value.byteLength === 16) {
    const hex = Buffer.from(value).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (value instanceof Uint8Array) return headerTextFromBytes(value);
  return amqpValueToString(value);
}

/**
 * A received AMQP 1.0 value as a header value, under the core header policy: a string that is a
 * valid value as it is, binary that is clean UTF-8 text as that text, any other string or binary as
 * `base64:` + its bytes; other types as {@link amqpValueToString} (whose output has no CR/LF). Pure.
 */
export function amqpHeaderText(value: unknown): string {
  if (typeof value === 'string') return headerTextFromString(value);
  if (value instanceof Uint8Array) return headerTextFromBytes(value);
  return amqpValueToString(value);
}

function setHeader(headers: Record<string, string>, name: string, value: unknown): void {
  if (value !== undefined && value !== null) headers[name] = amqpHeaderText(value);
}

/**
 * Maps a received AMQP 1.0 message to an envelope. Pure but for `newId` (used when the message has no
 * message-id) and `now` (when it has no creation-time). The reverse of {@link toAmqp1Fields}, with the
 * canonical `message-id` and `timestamp` headers set from the properties present; application
 * properties of any type are converted with {@link amqpHeaderText} (values that are not clean UTF-8
 * text become `base64:`…), and one whose name breaks the header policy is dropped.
 */
export function fromAmqp1Fields(
  fields: Amqp1IncomingFields,
  body: Uint8Array,
  now: number = Date.now(),
  newId: () => string = newMessageId,
): Message {
  // Null prototype: a header named __proto__ stays a real key (issue 14).
  const headers: Record<string, string> = Object.create(null);
  const app = fields.application_properties;
  if (app !== undefined && app !== null) {
    for (const name in app) {
      if (Object.hasOwn(app, name) && isValidHeaderName(name)) headers[name] = amqpHeaderText(app[name]);
    }
  }
  const messageId = messageIdToString(fields.message_id);
  const id = messageId !== undefined && messageId !== '' ? messageId : newId();
  if (messageId !== undefined && messageId !== '')
    headers[CanonicalHeaders.messageId] = headerTextFromString(messageId);
  const correlationId = messageIdToString(fields.correlation_id);
  if (correlationId !== undefined)
    headers[CanonicalHeaders.correlationId] = headerTextFromString(correlationId);
  setHeader(headers, CanonicalHeaders.replyTo, fields.reply_to);
  setHeader(headers, CanonicalHeaders.contentType, fields.content_type);
  setHeader(headers, CanonicalHeaders.contentEncoding, fields.content_encoding);
  setHeader(headers, SUBJECT_HEADER, fields.subject);
  if (typeof fields.ttl === 'number' && fields.ttl > 0)
    headers[CanonicalHeaders.expiration] = String(fields.ttl);
  if (typeof fields.priority === 'number' && fields.priority !== DEFAULT_PRIORITY) {
    headers[CanonicalHeaders.priority] = String(fields.priority);
  }
  let timestamp = now;
  const created = fields.creation_time;
  const createdMs =
    created instanceof Date ? created.getTime() : typeof created === 'number' ? created : Number.NaN;
  if (Number.isFinite(createdMs)) {
    timestamp = createdMs;
    headers[CanonicalHeaders.timestamp] = String(createdMs);
  }
  const key =
    fields.group_id === undefined || fields.group_id === null
      ? undefined
      : amqpValueToString(fields.group_id);
  const message: Message =
    key === undefined
      ? { id, body, headers: Object.freeze(headers), timestamp }
      : { id, body, headers: Object.freeze(headers), key, timestamp };
  return Object.freeze(message);
}

/** AMQP 1.0's default priority: not reported as a header. */
export const DEFAULT_PRIORITY = 4;

/**
 * The bytes of a received body, as rhea decodes it: data sections (one or several) as they are,
 * an amqp-value binary as it is, an amqp-value string as UTF-8, nothing as empty; any other
 * amqp-value (map, list, number: from a foreign producer) as JSON text. Pure.
 */
export function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (isSection(body)) {
    if (body.typecode === DATA_SECTION) {
      const content = body.multiple ? (body.content as Uint8Array[]) : [body.content as Uint8Array];
      return content.length === 1 ? (content[0] as Uint8Array) : Buffer.concat(content);
    }
    return Buffer.from(JSON.stringify(body.content));
  }
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(amqpValueToString(body), 'utf8');
}

/** Type code of an AMQP 1.0 data section. */
export const DATA_SECTION = 0x75;

interface SectionLike {
  typecode: number;
  content: unknown;
  multiple?: boolean;
}

function isSection(body: unknown): body is SectionLike {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as SectionLike).typecode === 'number' &&
    'content' in body
  );
}
