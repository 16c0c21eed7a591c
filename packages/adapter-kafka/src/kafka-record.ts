import { bodyBuffer, CanonicalHeaders, type Message } from '@polybus/core';
import {
  checkOutgoingHeader,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
} from '@polybus/core/adapter-kit';
import type { IHeaders, KafkaMessage, Message as KafkaRecordInput } from 'kafkajs';

/**
 * Maps a polybus {@link Message} to a kafkajs record: the key becomes the record key (so the
 * partitioner hashes it), the timestamp the record timestamp (ms), the id a `message-id` header, and
 * every header a Kafka header of the same name with a UTF-8 value. Pure; the body is not copied.
 * Throws a DataError for a header the header policy refuses (CR, LF, NUL, control characters).
 */
export function toKafkaRecord(message: Message): KafkaRecordInput {
  const headers: IHeaders = { [CanonicalHeaders.messageId]: message.id };
  for (const [name, value] of Object.entries(message.headers)) {
    checkOutgoingHeader('kafka', name, value);
    if (name !== CanonicalHeaders.messageId) headers[name] = value;
  }
  return {
    key: message.key ?? null,
    value: bodyBuffer(message.body),
    timestamp: String(message.timestamp),
    headers,
  };
}

/** The headers of every record that carries none besides `message-id`: one shared frozen object. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return headerText(value[value.length - 1]);
  return Buffer.isBuffer(value) ? headerTextFromBytes(value) : headerTextFromString(String(value));
}

/**
 * Maps a received Kafka record back to a frozen {@link Message}. The id is the `message-id` header
 * (removed from `headers`), or `<topic>-<partition>-<offset>` for records written by other clients;
 * header values are decoded by the header policy (UTF-8 text, else `base64:`; a name with control
 * characters is dropped; a repeated header keeps its last value); a null key is no key;
 * a null value (tombstone) is an empty body. Pure.
 */
export function fromKafkaRecord(topic: string, partition: number, record: KafkaMessage): Message {
  let headers: Record<string, string> | undefined;
  let id: string | undefined;
  const raw = record.headers;
  // for...in rather than Object.entries: no entries array and no pair per header on every record.
  if (raw !== undefined && raw !== null) {
    for (const name in raw) {
      if (!Object.hasOwn(raw, name) || !isValidHeaderName(name)) continue;
      const value = headerText(raw[name]);
      if (value === undefined) continue;
      if (name === CanonicalHeaders.messageId) id = value;
      else {
        headers ??= {};
        headers[name] = value;
      }
    }
  }
  const frozenHeaders = headers === undefined ? NO_HEADERS : Object.freeze(headers);
  const value = record.value;
  const body =
    value === null ? new Uint8Array(0) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const timestamp = Number(record.timestamp);
  const key = record.key;
  // Built in one literal per shape (no spread of a temporary object into a copy).
  const message: Message =
    key === null || key === undefined
      ? {
          id: id !== undefined && id !== '' ? id : `${topic}-${partition}-${record.offset}`,
          body,
          headers: frozenHeaders,
          timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
        }
      : {
          id: id !== undefined && id !== '' ? id : `${topic}-${partition}-${record.offset}`,
          body,
          headers: frozenHeaders,
          timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
          key: key.toString('utf8'),
        };
  return Object.freeze(message);
}
