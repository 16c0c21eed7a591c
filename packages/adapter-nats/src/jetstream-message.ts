import type { Message } from '@polybus/core';
import type { JsMsg } from 'nats';
import { fromNatsHeaders } from './nats-headers.js';

/** Headers of a message that arrived without any: one frozen empty object shared by all of them. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Turns a received JetStream message into a polybus {@link Message} (pure; never throws for a message
 * nats.js delivered). Envelope fields come from the headers as {@link fromNatsHeaders} maps them; a
 * message without `Nats-Msg-Id` gets the id `<stream>:<stream sequence>`, one without a valid
 * `x-polybus-timestamp` the time the stream stored it. The body is nats.js's bytes, not copied. A
 * message without headers (the usual case for foreign producers) is built directly, with a shared
 * frozen empty headers object, so it costs no header mapping.
 */
export function jetStreamMessageOf(m: JsMsg): Message {
  const info = m.info;
  const native = m.headers;
  if (native === undefined) {
    return Object.freeze({
      id: `${info.stream}:${info.streamSequence}`,
      body: m.data,
      headers: NO_HEADERS,
      timestamp: Math.floor(info.timestampNanos / 1e6),
    });
  }
  const incoming = fromNatsHeaders(native, {
    id: () => `${info.stream}:${info.streamSequence}`,
    timestamp: Math.floor(info.timestampNanos / 1e6),
  });
  // fromNatsHeaders returns a new headers object nothing else holds: freezing it is enough.
  const headers = Object.freeze(incoming.headers);
  return Object.freeze(
    incoming.key === undefined
      ? { id: incoming.id, body: m.data, headers, timestamp: incoming.timestamp }
      : { id: incoming.id, body: m.data, headers, key: incoming.key, timestamp: incoming.timestamp },
  );
}
