import type { Message, MessageInput } from '@polybus/core';
import { CloudEvent, Kafka } from 'cloudevents';

/**
 * CloudEvents as each broker's protocol binding carries them, produced and read by the official
 * `cloudevents` SDK: the SDK's Kafka binding gives the binary (`ce_` headers) and structured forms,
 * and this test helper renames the attribute headers per binding spec (independently of polybus's
 * own codec, which is what the tests check):
 * - `kafka` and `headers` (brokers without a binding: polybus's documented `ce_` choice): `ce_<name>`;
 * - `amqp` (AMQP 0-9-1 and 1.0): `cloudEvents:<name>` application properties;
 * - `nats`: `ce-<name>` headers, values percent-encoded, `ce-datacontenttype` instead of `content-type`;
 * - `mqtt` (MQTT 5): user properties named as the attributes themselves (no prefix), `datacontenttype` as
 *   the Content Type property (the adapter's `content-type` header). Reading, a header is an attribute
 *   when it is named as a spec attribute or as {@link EXTENSION}, the one extension of {@link sdkEvent}.
 */
export type Binding = 'kafka' | 'amqp' | 'nats' | 'mqtt' | 'headers';

/** The extension attribute every {@link sdkEvent} carries. */
export const EXTENSION = 'polybustest';

/** The spec's context attributes (CloudEvents 1.0) besides `datacontenttype`. */
const SPEC_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'dataschema', 'subject', 'time']);
export type Mode = 'binary' | 'structured';

const textEncoder = new TextEncoder();

/** The broker message carrying `event` in `mode` under `binding`, serialised by the SDK. */
export function toBrokerMessage(event: CloudEvent<unknown>, binding: Binding, mode: Mode): MessageInput {
  const kafka = mode === 'binary' ? Kafka.binary(event) : Kafka.structured(event);
  const value = kafka.value;
  const body =
    typeof value === 'string'
      ? textEncoder.encode(value)
      : value instanceof Uint8Array
        ? value
        : textEncoder.encode(JSON.stringify(value));
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(kafka.headers)) {
    if (raw === undefined) continue;
    const headerValue = String(raw);
    if (name === 'content-type' && mode === 'binary' && binding === 'nats')
      headers['ce-datacontenttype'] = encodeURIComponent(headerValue);
    else if (name.startsWith('ce_'))
      headers[renamed(name.slice(3), binding)] = encodeFor(headerValue, binding);
    else headers[name] = headerValue;
  }
  return { id: event.id, body, headers };
}

/** Reads the event a broker message carries under `binding`, with the SDK; validates it (throws if invalid). */
export function fromBrokerMessage(message: Message, binding: Binding): CloudEvent<unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    const attribute = attributeOf(name, binding);
    if (attribute === 'datacontenttype') headers['content-type'] = decodeFor(value, binding);
    else if (attribute !== undefined) headers[`ce_${attribute}`] = decodeFor(value, binding);
    else headers[name] = value;
  }
  const event = Kafka.toEvent({
    headers,
    key: message.key ?? '',
    value: Buffer.from(message.body).toString('utf8'),
  } as unknown as Parameters<typeof Kafka.toEvent>[0]) as CloudEvent<unknown>;
  event.validate();
  return event;
}

function renamed(attribute: string, binding: Binding): string {
  if (binding === 'amqp') return `cloudEvents:${attribute}`;
  if (binding === 'nats') return `ce-${attribute}`;
  if (binding === 'mqtt') return attribute;
  return `ce_${attribute}`;
}

function attributeOf(header: string, binding: Binding): string | undefined {
  if (binding === 'mqtt') return SPEC_ATTRIBUTES.has(header) || header === EXTENSION ? header : undefined;
  const prefix = binding === 'amqp' ? 'cloudEvents:' : binding === 'nats' ? 'ce-' : 'ce_';
  const lower = binding === 'nats' ? header.toLowerCase() : header;
  return lower.startsWith(prefix) ? lower.slice(prefix.length) : undefined;
}

const encodeFor = (value: string, binding: Binding) =>
  binding === 'nats' ? encodeURIComponent(value) : value;
const decodeFor = (value: string, binding: Binding) =>
  binding === 'nats' ? decodeURIComponent(value) : value;

/** A fresh SDK event (JSON data, an extension, a time: every attribute kind crosses). */
export function sdkEvent(id: string, source: string): CloudEvent<unknown> {
  return new CloudEvent({
    id,
    source,
    type: 'com.example.order.created',
    subject: 'order-42',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    [EXTENSION]: 'yes',
    data: { orderId: 42, total: 120.5, note: 'héllo' },
  });
}
