import { CanonicalHeaders } from '../headers.js';
import { createMessage, type Message } from '../message.js';
import { attributeOfHeader, binaryHeaders, readBinary } from './binary-mode.js';
import type { CloudEventsBinding } from './bindings.js';
import type { CloudEventRecord } from './cloud-event.js';
import { isStructured, readStructured, STRUCTURED_CONTENT_TYPE, structuredBody } from './structured-mode.js';

/** How a CloudEvent is carried: attributes in headers (`binary`) or the whole event as the body (`structured`). */
export type CloudEventsMode = 'binary' | 'structured';

/** A CloudEvent read from a message, with the mode it came in. */
export interface ReadCloudEvent extends CloudEventRecord {
  readonly mode: CloudEventsMode;
}

/**
 * Reads the CloudEvent `message` carries under `binding`: structured when its content type is
 * `application/cloudevents…`, else binary when it has a `specversion` attribute header, else
 * `undefined` (not a CloudEvent). Throws DataError for an event that breaks the spec. Pure.
 */
export function readCloudEvent(message: Message, binding: CloudEventsBinding): ReadCloudEvent | undefined {
  if (isStructured(message)) return { ...readStructured(message), mode: 'structured' };
  const binary = readBinary(message, binding);
  return binary === undefined ? undefined : { ...binary, mode: 'binary' };
}

/**
 * Writes `record` as a message for `binding` in `mode`. `base` gives the id, timestamp, key and the
 * headers that are not CloudEvents attributes (they are kept); its attribute headers under
 * `baseBinding` and its `content-type` are replaced. Throws DataError when structured JSON data is
 * not JSON. Pure.
 */
export function writeCloudEvent(
  record: CloudEventRecord,
  mode: CloudEventsMode,
  binding: CloudEventsBinding,
  base: Message,
  baseBinding: CloudEventsBinding = binding,
): Message {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(base.headers)) {
    if (name === CanonicalHeaders.contentType || attributeOfHeader(name, baseBinding) !== undefined) continue;
    headers[name] = value;
  }
  if (mode === 'structured') {
    headers[CanonicalHeaders.contentType] = STRUCTURED_CONTENT_TYPE;
    return createMessage({
      id: base.id,
      timestamp: base.timestamp,
      body: structuredBody(record),
      headers,
      ...(base.key === undefined ? {} : { key: base.key }),
    });
  }
  const carried = binaryHeaders(record, binding);
  const key = carried.key ?? base.key;
  return createMessage({
    id: base.id,
    timestamp: base.timestamp,
    body: record.data,
    headers: { ...headers, ...carried.headers },
    ...(key === undefined ? {} : { key }),
  });
}

/**
 * Carries a CloudEvent from one binding to another: read under `from`, written under `to` in `mode`
 * (or the mode it came in). Returns `undefined` when `message` is not a CloudEvent, so a route can
 * pass other messages through unchanged. Throws DataError for a malformed event. Pure.
 */
export function convertCloudEvent(
  message: Message,
  from: CloudEventsBinding,
  to: CloudEventsBinding,
  mode?: CloudEventsMode,
): Message | undefined {
  const event = readCloudEvent(message, from);
  if (event === undefined) return undefined;
  return writeCloudEvent(event, mode ?? event.mode, to, message, from);
}
