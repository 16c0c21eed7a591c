import { CloudEvent, Kafka, MQTT } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { createMessage, type Message } from '../message.js';
import { CLOUD_EVENTS_BINDINGS as B } from './bindings.js';
import { convertCloudEvent, readCloudEvent, writeCloudEvent } from './cloud-event-codec.js';

const sdkEvent = (data: unknown = { orderId: 7, total: 12.5 }) =>
  new CloudEvent({
    id: 'evt-1',
    source: '/orders/eu',
    type: 'com.example.order.created',
    subject: 'order 7',
    time: '2026-12-03T10:00:00.000Z',
    datacontenttype: 'application/json',
    tenant: 'acme',
    data,
  });

/** A polybus message from the SDK's Kafka message (headers are strings there). */
function fromKafka(kafka: { headers: Record<string, unknown>; key?: unknown; value: unknown }): Message {
  const headers = Object.fromEntries(
    Object.entries(kafka.headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
  const value = typeof kafka.value === 'string' ? kafka.value : JSON.stringify(kafka.value);
  return createMessage({
    id: 'm1',
    body: value,
    headers: { ...headers, 'x-user': 'kept' },
    ...(typeof kafka.key === 'string' ? { key: kafka.key } : {}),
  });
}

/** The SDK's view of a polybus message written for Kafka. */
const toSdkKafka = (m: Message) =>
  Kafka.toEvent({
    headers: { ...m.headers },
    key: m.key ?? '',
    value: Buffer.from(m.body),
    body: Buffer.from(m.body),
  }) as CloudEvent<unknown>;

describe('CloudEvents bindings', () => {
  it('reads a binary Kafka event the SDK wrote, and writes one the SDK reads back equal', () => {
    const original = sdkEvent();
    const message = fromKafka(Kafka.binary(original) as never);
    const read = readCloudEvent(message, B.kafka);
    expect(read?.mode).toBe('binary');
    expect(read?.attributes).toMatchObject({
      id: 'evt-1',
      type: 'com.example.order.created',
      tenant: 'acme',
    });
    const written = writeCloudEvent(read!, 'binary', B.kafka, message);
    const back = toSdkKafka(written);
    expect(back.id).toBe('evt-1');
    expect(back.source).toBe('/orders/eu');
    expect(back.tenant).toBe('acme');
    expect(back.data).toEqual({ orderId: 7, total: 12.5 });
    expect(written.headers['x-user']).toBe('kept');
    expect(Buffer.from(written.body)).toEqual(Buffer.from(message.body));
  });

  it('converts binary Kafka -> AMQP -> NATS -> MQTT -> structured Kafka and the SDK validates the result', () => {
    const start = fromKafka(Kafka.binary(sdkEvent()) as never);
    const amqp = convertCloudEvent(start, B.kafka, B.amqp)!;
    expect(amqp.headers['cloudEvents:type']).toBe('com.example.order.created');
    expect(amqp.headers.ce_type).toBeUndefined();
    const nats = convertCloudEvent(amqp, B.amqp, B.nats)!;
    expect(nats.headers['ce-subject']).toBe('order%207');
    expect(nats.headers['ce-datacontenttype']).toBe('application/json');
    const mqtt = convertCloudEvent(nats, B.nats, B.mqtt)!;
    expect(mqtt.headers.specversion).toBe('1.0');
    const sdkMqtt = MQTT.toEvent({
      headers: { ...mqtt.headers },
      body: JSON.parse(Buffer.from(mqtt.body).toString()),
      payload: undefined,
      PUBLISH: { 'Content Type': mqtt.headers['content-type'] },
      'User Properties': { ...mqtt.headers },
    } as never) as CloudEvent<unknown>;
    expect(sdkMqtt.subject).toBe('order 7');
    const structured = convertCloudEvent(mqtt, B.mqtt, B.kafka, 'structured')!;
    expect(structured.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const back = toSdkKafka(structured);
    expect(back.validate()).toBe(true);
    expect(back.id).toBe('evt-1');
    expect(back.subject).toBe('order 7');
    expect(back.data).toEqual({ orderId: 7, total: 12.5 });
    expect(structured.headers['x-user']).toBe('kept');
    expect(structured.id).toBe(start.id);
  });

  it('reads a structured event the SDK wrote and writes it binary', () => {
    const message = fromKafka(Kafka.structured(sdkEvent()) as never);
    const read = readCloudEvent(message, B.kafka);
    expect(read?.mode).toBe('structured');
    const binary = writeCloudEvent(read!, 'binary', B.amqp, message, B.kafka);
    expect(JSON.parse(Buffer.from(binary.body).toString())).toEqual({ orderId: 7, total: 12.5 });
    expect(binary.headers['content-type']).toBe('application/json');
    expect(binary.headers['cloudEvents:id']).toBe('evt-1');
  });

  it('keeps binary data byte for byte through structured mode (data_base64)', () => {
    const bytes = Uint8Array.from([0, 255, 1, 128, 10, 13]);
    const message = createMessage({
      body: bytes,
      headers: {
        ce_specversion: '1.0',
        ce_id: 'b1',
        ce_source: 's',
        ce_type: 't',
        'content-type': 'application/octet-stream',
      },
    });
    const structured = convertCloudEvent(message, B.kafka, B.kafka, 'structured')!;
    expect(JSON.parse(Buffer.from(structured.body).toString()).data_base64).toBe(
      Buffer.from(bytes).toString('base64'),
    );
    const again = convertCloudEvent(structured, B.kafka, B.nats, 'binary')!;
    expect([...again.body]).toEqual([...bytes]);
  });

  it('percent-encodes NATS header values and accepts lower-case and quoted forms when reading', () => {
    const message = createMessage({
      body: '{}',
      headers: {
        'CE-SpecVersion': '1.0',
        'ce-id': '"x 1"',
        'ce-source': 's',
        'ce-type': 'Euro%20%e2%82%ac%20%F0%9F%98%80',
      },
    });
    const read = readCloudEvent(message, B.nats);
    expect(read?.attributes.type).toBe('Euro € 😀');
    expect(read?.attributes.id).toBe('x 1');
    const nats = writeCloudEvent(read!, 'binary', B.nats, message);
    expect(nats.headers['ce-type']).toBe('Euro%20%E2%82%AC%20%F0%9F%98%80');
  });

  it('rejects an overlong UTF-8 percent-encoding as a data error', () => {
    const message = createMessage({
      body: '{}',
      headers: { 'ce-specversion': '1.0', 'ce-id': '%C0%A0', 'ce-source': 's', 'ce-type': 't' },
    });
    expect(() => readCloudEvent(message, B.nats)).toThrow(DataError);
  });

  it('names the missing attribute, never a value, for an invalid event', () => {
    const message = createMessage({
      body: '{}',
      headers: { ce_specversion: '1.0', ce_source: 'secret-source-value', ce_type: 't' },
    });
    expect(() => readCloudEvent(message, B.kafka)).toThrow(/required attribute id/);
    try {
      readCloudEvent(message, B.kafka);
    } catch (error) {
      expect(String(error)).not.toContain('secret-source-value');
    }
  });

  it('leaves messages that are not CloudEvents alone', () => {
    const message = createMessage({ body: 'plain', headers: { 'content-type': 'text/plain', type: 'x' } });
    expect(readCloudEvent(message, B.kafka)).toBeUndefined();
    expect(convertCloudEvent(message, B.mqtt, B.kafka)).toBeUndefined();
  });

  it('maps the Kafka key to partitionkey and back', () => {
    const message = createMessage({
      body: '{}',
      key: 'customer-7',
      headers: { ce_specversion: '1.0', ce_id: 'k', ce_source: 's', ce_type: 't' },
    });
    const amqp = convertCloudEvent(message, B.kafka, B.amqp)!;
    expect(amqp.headers['cloudEvents:partitionkey']).toBe('customer-7');
    const kafka = convertCloudEvent(createMessage({ ...amqp, key: undefined }), B.amqp, B.kafka)!;
    expect(kafka.key).toBe('customer-7');
  });
});
