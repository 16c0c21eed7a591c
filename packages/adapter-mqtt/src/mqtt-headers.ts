import { CanonicalHeaders, createMessage, DataError, type Message, newMessageId } from '@polybus/core';
import {
  checkOutgoingHeaders,
  expirationHeaderMs,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
} from '@polybus/core/adapter-kit';
import type { IPublishPacket } from 'mqtt';

/** MQTT 5 publish properties the adapter writes and reads. */
export type MqttPublishProperties = NonNullable<IPublishPacket['properties']>;

/** User-property names the adapter reserves for envelope fields. */
export const MqttPropertyNames = {
  /** Carries `Message.id`. */
  messageId: 'message-id',
  /** Carries `Message.key` (MQTT has no key). */
  key: 'x-polybus-key',
  /** Carries `Message.timestamp`, decimal milliseconds since the epoch. */
  timestamp: 'x-polybus-timestamp',
} as const;

const RESERVED = new Set<string>(Object.values(MqttPropertyNames));

/**
 * Maps a message to MQTT 5 publish properties (pure): `content-type` → Content Type, `correlation-id`
 * → Correlation Data (UTF-8), `reply-to` → Response Topic, `expiration` (ms) → Message Expiry Interval
 * (seconds, rounded up); id, key and timestamp and every other header → user properties. A user
 * header named like a reserved property is dropped (the envelope field wins). Throws
 * {@link DataError} for an `expiration` that is not a positive integer, and for a header the header
 * policy refuses (CR, LF, NUL, control characters in a name; docs/security.md).
 */
export function toMqttProperties(message: Message): MqttPublishProperties {
  checkOutgoingHeaders('mqtt', message.headers);
  const user: Record<string, string> = Object.create(null);
  user[MqttPropertyNames.messageId] = message.id;
  if (message.key !== undefined) user[MqttPropertyNames.key] = message.key;
  user[MqttPropertyNames.timestamp] = String(Math.trunc(message.timestamp));
  const props: MqttPublishProperties = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (RESERVED.has(name)) continue;
    switch (name) {
      case CanonicalHeaders.contentType:
        props.contentType = value;
        break;
      case CanonicalHeaders.correlationId:
        props.correlationData = Buffer.from(value, 'utf8');
        break;
      case CanonicalHeaders.replyTo:
        props.responseTopic = value;
        break;
      case CanonicalHeaders.expiration: {
        const ms = expirationHeaderMs(message, value);
        // 0 would mean "expires at once" in polybus but "no expiry" to an MQTT broker: refused
        if (ms === 0) throw new DataError(`message ${message.id}: header "expiration" must be at least 1 ms`);
        props.messageExpiryInterval = Math.min(0xffffffff, Math.ceil(ms / 1000));
        break;
      }
      default:
        user[name] = value;
    }
  }
  props.userProperties = user;
  return props;
}

/** What the receiver knows besides the packet. */
export interface IncomingContext {
  /** Receipt time, used when the producer set no timestamp. */
  readonly now: number;
}

function lastOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * Reads a message back from a received PUBLISH (pure), the inverse of {@link toMqttProperties}. A
 * message from a producer that set no `message-id` gets a generated id; without a timestamp, the
 * receipt time. A user property sent several times keeps its last value. Header policy: values with
 * CR, LF or NUL (and Correlation Data that is not valid UTF-8) become `base64:`, user properties
 * whose name has control characters are dropped. With `headers: false` (MQTT 3.1.1) only the body is
 * read.
 */
export function fromMqttPacket(
  payload: Uint8Array,
  properties: MqttPublishProperties | undefined,
  context: IncomingContext,
): Message {
  // Null prototype: a header named __proto__ stays a real key (issue 14).
  const headers: Record<string, string> = Object.create(null);
  let id: string | undefined;
  let key: string | undefined;
  let timestamp = context.now;
  for (const [name, raw] of Object.entries(properties?.userProperties ?? {})) {
    const value = lastOf(raw);
    if (value === undefined) continue;
    if (name === MqttPropertyNames.messageId) id = value || undefined;
    else if (name === MqttPropertyNames.key) key = value;
    else if (name === MqttPropertyNames.timestamp) {
      const ts = Number(value);
      if (/^\d+$/.test(value) && Number.isSafeInteger(ts)) timestamp = ts;
    } else if (isValidHeaderName(name)) headers[name] = headerTextFromString(value);
  }
  if (properties?.contentType !== undefined)
    headers[CanonicalHeaders.contentType] = headerTextFromString(properties.contentType);
  if (properties?.correlationData !== undefined) {
    headers[CanonicalHeaders.correlationId] = headerTextFromBytes(properties.correlationData);
  }
  if (properties?.responseTopic !== undefined)
    headers[CanonicalHeaders.replyTo] = headerTextFromString(properties.responseTopic);
  if (properties?.messageExpiryInterval !== undefined) {
    headers[CanonicalHeaders.expiration] = String(properties.messageExpiryInterval * 1000);
  }
  return createMessage({ id: id ?? newMessageId(), body: payload, headers, key, timestamp });
}
