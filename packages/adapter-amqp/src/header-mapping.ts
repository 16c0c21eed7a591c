import { CanonicalHeaders, DataError, type Message, newMessageId } from '@polybus/core';
import {
  checkOutgoingHeader,
  expirationHeaderMs,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
  priorityHeader,
} from '@polybus/core/adapter-kit';

/** Header carrying the envelope timestamp in milliseconds (the AMQP `timestamp` property has seconds). */
export const TIMESTAMP_MS_HEADER = 'x-polybus-timestamp-ms';
/** Header carrying the message key (the routing key is not always free to carry it). */
export const KEY_HEADER = 'x-polybus-key';
/** Broker-set headers that are provenance, not message content: dropped on receive. */
const BROKER_HEADERS = new Set(['x-delivery-count']);

/** The subset of AMQP basic properties the adapter writes on publish. */
export interface AmqpPublishProperties {
  messageId: string;
  timestamp: number;
  persistent: true;
  /** Absent when there is nothing to carry (amqplib then sends an empty table). */
  headers?: Record<string, string>;
  correlationId?: string;
  replyTo?: string;
  contentType?: string;
  contentEncoding?: string;
  expiration?: string;
  priority?: number;
}

/** The AMQP basic properties of a received message, as amqplib decodes them (all optional). */
export interface AmqpReceivedProperties {
  messageId?: unknown;
  timestamp?: unknown;
  correlationId?: unknown;
  replyTo?: unknown;
  contentType?: unknown;
  contentEncoding?: unknown;
  expiration?: unknown;
  priority?: unknown;
  headers?: Record<string, unknown> | undefined;
}

/** Delivery fields of a received message that the mapping reads. */
export interface AmqpReceivedFields {
  exchange: string;
  routingKey: string;
}

/**
 * Maps an envelope to AMQP properties. Pure. The envelope's `id` and `timestamp` win over `message-id`
 * and `timestamp` headers; `correlation-id`, `reply-to`, `content-type`, `content-encoding`,
 * `expiration` and `priority` become properties; every other header goes to the headers table as a
 * string; `key` and the ms timestamp travel in `x-polybus-key` / `x-polybus-timestamp-ms`. The ms
 * header is left out when the timestamp is a whole second (the `timestamp` property then says it all),
 * and `headers` is left out when the table would be empty.
 * Throws {@link DataError} for a `priority` that is not an integer 0-255, an `expiration` that is not
 * a non-negative integer, or a header the header policy refuses (CR, LF, NUL, control characters).
 */
export function toAmqpProperties(message: Message): AmqpPublishProperties {
  const headers: Record<string, string> = Object.create(null);
  let headerCount = 0;
  const seconds = Math.floor(message.timestamp / 1000);
  const props: AmqpPublishProperties = {
    messageId: message.id,
    timestamp: seconds,
    persistent: true,
  };
  const source = message.headers;
  for (const name in source) {
    const value = source[name] as string;
    checkOutgoingHeader('amqp', name, value);
    switch (name) {
      case CanonicalHeaders.messageId:
      case CanonicalHeaders.timestamp:
      case KEY_HEADER:
      case TIMESTAMP_MS_HEADER:
        break;
      case CanonicalHeaders.correlationId:
        props.correlationId = value;
        break;
      case CanonicalHeaders.replyTo:
        props.replyTo = value;
        break;
      case CanonicalHeaders.contentType:
        props.contentType = value;
        break;
      case CanonicalHeaders.contentEncoding:
        props.contentEncoding = value;
        break;
      case CanonicalHeaders.expiration:
        props.expiration = String(expirationHeaderMs(message, value));
        break;
      case CanonicalHeaders.priority:
        props.priority = priorityHeader(message, value);
        break;
      default:
        headers[name] = value;
        headerCount++;
    }
  }
  if (seconds * 1000 !== message.timestamp) {
    headers[TIMESTAMP_MS_HEADER] = String(message.timestamp);
    headerCount++;
  }
  if (message.key !== undefined) {
    headers[KEY_HEADER] = message.key;
    headerCount++;
  }
  if (headerCount > 0) props.headers = headers;
  return props;
}

/**
 * Converts an AMQP header table value to a string by the header policy of every adapter
 * (docs/security.md): strings as they are and byte arrays as UTF-8 when valid UTF-8 without CR, LF or
 * NUL, else as `base64:` followed by their base64 (never silently replaced by U+FFFD), numbers,
 * bigints and booleans with `String`, dates as epoch milliseconds, `null`/`undefined` as `''`, arrays
 * and tables as JSON (buffers inside as UTF-8). Pure.
 */
export function headerValueToString(value: unknown): string {
  if (typeof value === 'string') return headerTextFromString(value);
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) return headerTextFromBytes(value);
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') {
      return headerTextFromBytes(Buffer.from((v as { data: number[] }).data));
    }
    return v;
  });
}

function stringProp(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return headerValueToString(value);
}

/** Sets `headers[name]` to the property as a string, when the message carries that property. */
function setProp(headers: Record<string, string>, name: string, value: unknown): void {
  if (value !== undefined && value !== null) headers[name] = headerValueToString(value);
}

/**
 * Maps a received AMQP message to an envelope. Pure but for `newId` (used when the message has no
 * `messageId`). Canonical headers are set from the properties that are present (`message-id`,
 * `correlation-id`, `reply-to`, `content-type`, `content-encoding`, `expiration`, `priority`,
 * `timestamp` as epoch ms); user headers are converted with {@link headerValueToString}; `key` comes
 * from `x-polybus-key`, else from the routing key when the message came through a named exchange with
 * a non-empty routing key; the timestamp from `x-polybus-timestamp-ms` when it agrees with the
 * `timestamp` property, else the property (seconds) * 1000, else `now`.
 */
export function fromAmqpMessage(
  fields: AmqpReceivedFields,
  properties: AmqpReceivedProperties,
  body: Uint8Array,
  now: number = Date.now(),
  newId: () => string = newMessageId,
): Message {
  // Null prototype: a header named __proto__ stays a real key (issue 14).
  const headers: Record<string, string> = Object.create(null);
  let key: string | undefined;
  let timestampMs: number | undefined;
  const table = properties.headers;
  for (const name in table) {
    if (BROKER_HEADERS.has(name) || !isValidHeaderName(name)) continue;
    const value = headerValueToString(table[name]);
    if (name === KEY_HEADER) key = value;
    else if (name === TIMESTAMP_MS_HEADER) {
      const ms = Number(value);
      if (/^-?\d+$/.test(value) && Number.isSafeInteger(ms)) timestampMs = ms;
    } else headers[name] = value;
  }
  const seconds = typeof properties.timestamp === 'number' ? properties.timestamp : undefined;
  let timestamp: number;
  if (timestampMs !== undefined && (seconds === undefined || Math.floor(timestampMs / 1000) === seconds)) {
    timestamp = timestampMs;
  } else if (seconds !== undefined) timestamp = seconds * 1000;
  else timestamp = now;
  if (key === undefined && fields.exchange !== '' && fields.routingKey !== '') key = fields.routingKey;

  const messageId = stringProp(properties.messageId);
  const id = messageId !== undefined && messageId !== '' ? messageId : newId();
  if (messageId !== undefined && messageId !== '') headers[CanonicalHeaders.messageId] = messageId;
  setProp(headers, CanonicalHeaders.correlationId, properties.correlationId);
  setProp(headers, CanonicalHeaders.replyTo, properties.replyTo);
  setProp(headers, CanonicalHeaders.contentType, properties.contentType);
  setProp(headers, CanonicalHeaders.contentEncoding, properties.contentEncoding);
  setProp(headers, CanonicalHeaders.expiration, properties.expiration);
  setProp(headers, CanonicalHeaders.priority, properties.priority);
  if (seconds !== undefined || timestampMs !== undefined)
    headers[CanonicalHeaders.timestamp] = String(timestamp);

  const message: Message =
    key === undefined
      ? { id, body, headers: Object.freeze(headers), timestamp }
      : { id, body, headers: Object.freeze(headers), key, timestamp };
  return Object.freeze(message);
}
