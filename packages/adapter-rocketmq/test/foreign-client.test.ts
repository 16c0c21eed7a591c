import { createMessage, type Delivery } from '@polybus/core';
import { Collector, expectCrlfHeaderRefused, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROCKETMQ_HOST,
  ROCKETMQ_NAMESRV,
  ROCKETMQ_PROXY_PORT,
  rocketmqTool,
  rocketmqTransport,
  TopicPool,
} from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);

/** One message as RocketmqTool prints it (RocketMQ's own Java client, remoting protocol). */
interface JavaMessage {
  msgId: string;
  topic: string;
  tags: string | null;
  keys: string | null;
  body: string; // base64
  reconsumeTimes: number;
  properties: Record<string, string>;
}

// RocketMQ's own Java client (org.apache.rocketmq:rocketmq-client, remoting protocol straight to the
// name server and broker) on one side, polybus (gRPC through the proxy) on the other.
describe.runIf(up)('rocketmq interop with the Java client', () => {
  const pool = new TopicPool(2);
  const transport = rocketmqTransport();
  afterAll(() => transport.close({ timeoutMs: 2_000 }));

  it('a message published by polybus reaches a Java consumer with body, key, tag and properties', async () => {
    await transport.connect();
    const topic = await pool.topic();
    const body = new Uint8Array(300);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const sent = createMessage({ body, key: 'order-42', headers: { 'x-color': 'red', 'x-note': 'ünï ✓' } });
    await transport.publish({ topic, tag: 'paid' }, [sent]);

    const out = await rocketmqTool([
      'consume',
      ROCKETMQ_NAMESRV,
      topic,
      uniqueName('java').replace(/[^\w-]/g, '_'),
      '1',
      '60000',
    ]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const got = JSON.parse(lines[0]!) as JavaMessage;
    expect(got.topic).toBe(topic);
    expect(got.tags).toBe('paid');
    expect(got.keys).toBe('order-42');
    expect(Buffer.from(got.body, 'base64').equals(Buffer.from(body))).toBe(true);
    expect(got.properties['x-color']).toBe('red');
    expect(got.properties['x-note']).toBe('ünï ✓');
    expect(got.properties['message-id']).toBe(sent.id);
    expect(got.reconsumeTimes).toBe(0);
  });

  it('a message produced by the Java client reaches polybus with body, key, tag and properties; the tag filter holds', async () => {
    await transport.connect();
    const topic = await pool.topic();
    const collector = new Collector();
    const subscription = await transport.subscribe(
      { topic, tag: 'paid' },
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g').replace(/[^\w-]/g, '_') },
    );
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    // a message of another tag first: the subscription's filter must keep it out
    await rocketmqTool(['produce', ROCKETMQ_NAMESRV, topic, 'other', 'k-other', b64('filtered out')]);
    const produced = await rocketmqTool([
      'produce',
      ROCKETMQ_NAMESRV,
      topic,
      'paid',
      'k-java',
      b64('from java: grüße'),
      'x-from=java',
      'x-note=ünï ✓',
    ]);
    const { status, msgId } = JSON.parse(produced.trim()) as { status: string; msgId: string };
    expect(status).toBe('SEND_OK');
    await rocketmqTool(['produce', ROCKETMQ_NAMESRV, topic, 'paid', 'k-marker', b64('marker')]);

    await collector.waitFor(2, 60_000);
    const [first, second] = collector.deliveries;
    expect(Buffer.from(first!.message.body).toString()).toBe('from java: grüße');
    expect(first!.message.id).toBe(msgId); // RocketMQ's id when no polybus id travelled
    expect(first!.message.key).toBe('k-java');
    expect(first!.message.headers).toEqual({ 'x-from': 'java', 'x-note': 'ünï ✓' });
    expect(first!.source.subject).toBe('paid');
    expect(first!.attempt).toBe(1);
    expect(Buffer.from(second!.message.body).toString()).toBe('marker');
    expect(collector.count).toBe(2);
    await subscription.close();
  });

  it('header policy: a CR/LF header is refused on publish; a Java client’s CR/LF property arrives as base64', async () => {
    await transport.connect();
    const topic = await pool.topic();
    await expectCrlfHeaderRefused(transport, { topic });

    const collector = new Collector();
    const subscription = await transport.subscribe(
      { topic },
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g').replace(/[^\w-]/g, '_') },
    );
    await rocketmqTool([
      'produce',
      ROCKETMQ_NAMESRV,
      topic,
      'crlf',
      'k-crlf',
      Buffer.from('b').toString('base64'),
      'x-crlf=a\r\nb',
      'x-ok=v',
    ]);
    await collector.waitFor(1, 60_000);
    // nothing of the refused batch was sent: the one message is the Java client's
    expect(collector.deliveries.map((d) => d.message.key)).toEqual(['k-crlf']);
    expect(collector.deliveries[0]!.message.headers).toEqual({
      'x-crlf': `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      'x-ok': 'v',
    });
    await subscription.close();
  });
});
