import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import amqplib, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport, amqpAdapter } from '../src/index.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const url = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe.runIf(up)('a foreign amqplib client and polybus agree on the README mapping table', () => {
  let raw: ChannelModel;
  let transport: AmqpTransport;

  beforeAll(async () => {
    raw = await amqplib.connect(url);
    transport = new AmqpTransport(url, amqpAdapter.optionsSchema.parse({}), silent);
    await transport.connect();
  });

  afterAll(async () => {
    await transport?.close({ timeoutMs: 1_000 });
    await raw?.close();
  });

  it('raw publish with properties and headers -> polybus sees canonical headers, id, key and timestamp', async () => {
    const ch = await raw.createConfirmChannel();
    const queue = uniqueName('foreign-in');
    await ch.assertQueue(queue, { durable: false, autoDelete: false, arguments: { 'x-max-priority': 10 } });
    const collector = new Collector();
    const sub = await transport.subscribe({ queue }, async (d) => {
      collector.push(d);
      await d.ack();
    });
    const body = Buffer.from([0, 1, 2, 250, 255]);
    await new Promise<void>((resolve, reject) =>
      ch.sendToQueue(
        queue,
        body,
        {
          messageId: 'foreign-1',
          correlationId: 'corr-1',
          replyTo: 'reply-queue',
          contentType: 'application/octet-stream',
          contentEncoding: 'identity',
          timestamp: 1_700_000_123,
          expiration: '600000',
          priority: 7,
          headers: { 'x-text': 'grüße', 'x-number': 42, 'x-flag': true, 'x-bytes': Buffer.from('raw') },
        },
        (err: unknown) => (err ? reject(err) : resolve()),
      ),
    );
    // Without a messageId the adapter generates an id; through a named exchange the routing key is the key.
    const exchange = uniqueName('foreign-ex');
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await ch.bindQueue(queue, exchange, '#');
    await new Promise<void>((resolve, reject) =>
      ch.publish(exchange, 'order.created', Buffer.from('plain'), {}, (err: unknown) =>
        err ? reject(err) : resolve(),
      ),
    );
    await collector.waitFor(2, 10_000);
    const [full, bare] = collector.deliveries as [Delivery, Delivery];

    expect(full.message.id).toBe('foreign-1');
    expect(Buffer.from(full.message.body).equals(body)).toBe(true);
    expect(full.message.timestamp).toBe(1_700_000_123_000);
    expect(full.message.key).toBeUndefined();
    expect(full.attempt).toBe(1);
    expect(full.message.headers).toEqual({
      'message-id': 'foreign-1',
      'correlation-id': 'corr-1',
      'reply-to': 'reply-queue',
      'content-type': 'application/octet-stream',
      'content-encoding': 'identity',
      timestamp: '1700000123000',
      expiration: '600000',
      priority: '7',
      'x-text': 'grüße',
      'x-number': '42',
      'x-flag': 'true',
      'x-bytes': 'raw',
    });

    expect(bare.message.key).toBe('order.created');
    expect(bare.message.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bare.message.headers).toEqual({});
    expect(Math.abs(bare.message.timestamp - Date.now())).toBeLessThan(10_000);

    await sub.close();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await ch.close();
  });

  it('polybus publish -> a raw consumer sees the native properties', async () => {
    const address = uniqueName('foreign-out');
    const ch = await raw.createChannel();
    await ch.assertExchange(address, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, address, '#');
    const received = new Promise<ConsumeMessage>((resolve) => {
      void ch.consume(queue, (m) => {
        if (m) {
          ch.ack(m);
          resolve(m);
        }
      });
    });
    const sent = createMessage({
      id: 'polybus-1',
      body: 'hello',
      key: 'customer-42',
      timestamp: 1_700_000_456_789,
      headers: {
        'correlation-id': 'corr-2',
        'reply-to': 'answers',
        'content-type': 'text/plain',
        'content-encoding': 'utf-8',
        expiration: '300000',
        priority: '3',
        'x-tenant': 'acme',
      },
    });
    await transport.publish(address, [sent]);
    const m = await received;
    expect(m.content.toString()).toBe('hello');
    expect(m.fields.exchange).toBe(address);
    expect(m.fields.routingKey).toBe('customer-42');
    expect(m.properties).toMatchObject({
      messageId: 'polybus-1',
      correlationId: 'corr-2',
      replyTo: 'answers',
      contentType: 'text/plain',
      contentEncoding: 'utf-8',
      expiration: '300000',
      priority: 3,
      timestamp: 1_700_000_456,
      deliveryMode: 2,
    });
    expect(m.properties.headers).toEqual({
      'x-tenant': 'acme',
      'x-polybus-key': 'customer-42',
      'x-polybus-timestamp-ms': '1700000456789',
    });
    await ch.deleteExchange(address);
    await ch.close();
  });
});
