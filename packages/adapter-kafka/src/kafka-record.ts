import { bodyBuffer, CanonicalHeaders, type Message } from '@polybus/core';
import type { IHeaders, KafkaMessage, Message as KafkaRecordInput } from 'kafkajs';

/**
 * Maps a polybus {@link Message} to a kafkajs record: the key becomes the record key (so the
 * partitioner hashes it), the timestamp the record timestamp (ms), the id a `message-id` header, and
 * every header a Kafka header of the same name with a UTF-8 value. Pure; the body is not copied.
 */
export function toKafkaRecord(message: Message): KafkaRecordInput {
  const headers: IHeaders = { [CanonicalHeaders.messageId]: message.id };
  for (const [name, value] of Object.entries(message.headers)) {
    if (name !== CanonicalHeaders.messageId) headers[name] = value;
  }
  return {
    key: message.key ?? null,
    value: bodyBuffer(message.body),
    timestamp: String(message.timestamp),
    headers,
  };
}

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return headerText(value[value.length - 1]);
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/**
 * Maps a received Kafka record back to a frozen {@link Message}. The id is the `message-id` header
 * (removed from `headers`), or `<topic>-<partition>-<offset>` for records written by other clients;
 * header values are decoded as UTF-8 (a repeated header keeps its last value); a null key is no key;
 * a null value (tombstone) is an empty body. Pure.
 */
export function fromKafkaRecord(topic: string, partition: number, record: KafkaMessage): Message {
  const headers: Record<string, string> = {};
  let id: string | undefined;
  for (const [name, raw] of Object.entries(record.headers ?? {})) {
    const value = headerText(raw);
    if (value === undefined) continue;
    if (name === CanonicalHeaders.messageId) id = value;
    else headers[name] = value;
  }
  const body =
    record.value === null
      ? new Uint8Array(0)
      : new Uint8Array(record.value.buffer, record.value.byteOffset, record.value.byteLength);
  const timestamp = Number(record.timestamp);
  const base = {
    id: id !== undefined && id !== '' ? id : `${topic}-${partition}-${record.offset}`,
    body,
    headers: Object.freeze(headers),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
  const message: Message =
    record.key === null || record.key === undefined ? base : { ...base, key: record.key.toString('utf8') };
  return Object.freeze(message);
}
