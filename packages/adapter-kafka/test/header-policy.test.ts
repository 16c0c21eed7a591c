import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createTopic, KAFKA_HOST, KAFKA_PORT, kafkaSuite } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

describe.runIf(up)('kafka header policy against the broker (docs/security.md)', () => {
  const suite = kafkaSuite();

  it('a foreign record with CR/LF, invalid UTF-8 and a bad header name: base64: values, name dropped', async () => {
    const topic = await createTopic(suite.admin, uniqueName('hostile-headers'), 1);
    const t = await suite.transport();
    const collector = new Collector();
    await t.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g'), from: 'earliest' },
    );
    const producer = new kafkajs.Kafka({
      clientId: 'polybus-test-foreign',
      brokers: [`${KAFKA_HOST}:${KAFKA_PORT}`],
      logLevel: kafkajs.logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          {
            value: 'x',
            headers: {
              crlf: 'a\r\nInjected: 1',
              bin: Buffer.from([0xff, 0xfe]),
              'bad\nname': 'v',
              ok: 'ünï',
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await collector.waitFor(1, 60_000);
    expect(collector.deliveries[0]!.message.headers).toEqual({
      crlf: `base64:${Buffer.from('a\r\nInjected: 1').toString('base64')}`,
      bin: 'base64://4=',
      ok: 'ünï',
    });
    const error = await t.publish(topic, [createMessage({ body: 'y', headers: { 'x-evil': 'a\nb' } })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'DATA_INVALID', retriable: false });
  }, 90_000);
});
