import { createBridgeRegistry, type RunningTracing, startTracing, tracingSettings } from '@polybus/bridge';
import { type Bus, connect, type Delivery } from '@polybus/core';
import { deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import { OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';

/**
 * One message crossing AMQP -> bridge 1 -> Kafka -> bridge 2 -> NATS arrives as ONE trace at a real
 * OTLP/protobuf receiver: the test's producer, each bridge's consumer, stage and producer spans, and
 * the test's consumer, each the child of the one before. Bridge 1 is configured by its `tracing:`
 * block, bridge 2 by the standard OTEL_* environment.
 */
const up =
  (await requireBroker('rabbitmq', '127.0.0.1', 5672)) &&
  (await requireBroker('kafka', '127.0.0.1', 9092)) &&
  (await requireBroker('nats', '127.0.0.1', 4222));

const PRODUCER = 4;
const CONSUMER = 5;
const INTERNAL = 1;

let receiver: OtlpReceiver;
let tracing: RunningTracing | undefined;
const bridges: BridgeProcess[] = [];
const buses: Bus[] = [];

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  tracing = startTracing(
    tracingSettings({ enabled: true, endpoint: receiver.endpoint, serviceName: 'trace-test' }, {}),
  );
});
afterAll(async () => {
  for (const bridge of bridges) bridge.kill();
  await Promise.all(buses.map((b) => b.close({ timeoutMs: 2000 }).catch(() => undefined)));
  await tracing?.shutdown();
  await receiver?.close();
});

describe.skipIf(!up)('a trace across brokers and bridges', () => {
  it('links AMQP -> bridge -> Kafka -> bridge -> NATS into one trace', { timeout: 180_000 }, async () => {
    const name = uniqueName('trace');
    const registry = createBridgeRegistry();
    const messageId = `${name}-m1`;

    const nats = await connect('nats://127.0.0.1:4222', {
      registry,
      options: { createStreams: true },
      tracing: true,
    });
    buses.push(nats);
    const arrived = deferred<Delivery>();
    await nats.subscribe({ subject: `${name}.out` }, (d) => arrived.resolve(d), { group: 'check' });

    const bridge1 = await BridgeProcess.start(
      writeConfig(`connections:
  rabbit: amqp://guest:guest@127.0.0.1:5672
  kafka: { url: "kafka://127.0.0.1:9092", options: { clientId: polybus-trace } }
http: { port: 0 }
tracing: { enabled: true, endpoint: "${receiver.endpoint}", serviceName: bridge-1 }
routes:
  - name: amqp-to-kafka
    from: { connection: rabbit, address: "${name}-in", group: bridge }
    filter: headers."x-test" = "trace"
    transform: { headers: { x-hop: '"1"' } }
    to: [{ connection: kafka, topic: "${name}-mid" }]
`),
    );
    bridges.push(bridge1);
    const bridge2 = await BridgeProcess.start(
      writeConfig(`connections:
  kafka: { url: "kafka://127.0.0.1:9092", options: { clientId: polybus-trace } }
  nats: { url: "nats://127.0.0.1:4222", options: { createStreams: true } }
http: { port: 0 }
routes:
  - name: kafka-to-nats
    from: { connection: kafka, topic: "${name}-mid", group: bridge }
    to: [{ connection: nats, subject: "${name}.out" }]
`),
      {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint.replace(/\/v1\/traces$/, ''),
          OTEL_SERVICE_NAME: 'bridge-2',
        },
      },
    );
    bridges.push(bridge2);

    const amqp = await connect('amqp://guest:guest@127.0.0.1:5672', { registry, tracing: true });
    buses.push(amqp);
    await amqp.publish(`${name}-in`, { id: messageId, body: '{"n":1}', headers: { 'x-test': 'trace' } });

    const delivery = await arrived.promise;
    expect(delivery.message.id).toBe(messageId);
    expect(delivery.message.headers['x-hop']).toBe('1');

    // Every span of the trace: 3 in the test, 5 in bridge 1, 3 in bridge 2.
    const inTrace = (spans: readonly ReceivedSpan[]) => {
      const root = spans.find((s) => s.serviceName === 'trace-test' && s.kind === PRODUCER);
      return root ? spans.filter((s) => s.traceId === root.traceId) : [];
    };
    await receiver.waitFor((spans) => inTrace(spans).length >= 10, 60_000);
    const spans = inTrace(receiver.spans);
    const find = (service: string, kind: number, stage?: string): ReceivedSpan => {
      const found = spans.filter(
        (s) =>
          s.serviceName === service &&
          s.kind === kind &&
          (stage === undefined || s.attributes['polybus.stage'] === stage),
      );
      expect(found, `${service} kind ${kind} ${stage ?? ''}: ${spans.map((s) => s.name)}`).toHaveLength(1);
      return found[0] as ReceivedSpan;
    };
    const childOf = (child: ReceivedSpan, parent: ReceivedSpan) =>
      expect(child.parentSpanId, `${child.name} parent is ${parent.name}`).toBe(parent.spanId);

    const testProducer = find('trace-test', PRODUCER);
    const consumer1 = find('bridge-1', CONSUMER);
    const filter1 = find('bridge-1', INTERNAL, 'filter');
    const transform1 = find('bridge-1', INTERNAL, 'transform');
    const publish1 = find('bridge-1', INTERNAL, 'publish');
    const producer1 = find('bridge-1', PRODUCER);
    const consumer2 = find('bridge-2', CONSUMER);
    const publish2 = find('bridge-2', INTERNAL, 'publish');
    const producer2 = find('bridge-2', PRODUCER);
    const testConsumer = find('trace-test', CONSUMER);

    expect(testProducer.parentSpanId).toBe('');
    childOf(consumer1, testProducer);
    for (const stage of [filter1, transform1, publish1]) childOf(stage, consumer1);
    childOf(producer1, publish1);
    childOf(consumer2, producer1);
    childOf(publish2, consumer2);
    childOf(producer2, publish2);
    childOf(testConsumer, producer2);

    expect(testProducer.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': `${name}-in`,
      'messaging.message.id': messageId,
    });
    expect(consumer1.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.message.id': messageId,
      'messaging.consumer.group.name': 'bridge',
      'polybus.route': 'amqp-to-kafka',
    });
    for (const stage of [filter1, transform1, publish1])
      expect(stage.attributes).toMatchObject({
        'polybus.route': 'amqp-to-kafka',
        'messaging.message.id': messageId,
      });
    expect(publish1.attributes['messaging.system']).toBe('kafka');
    expect(producer1.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.message.id': messageId,
    });
    expect(String(producer1.attributes['messaging.destination.name'])).toContain(`${name}-mid`);
    expect(consumer2.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.message.id': messageId,
      'messaging.consumer.group.name': 'bridge',
      'polybus.route': 'kafka-to-nats',
    });
    expect(consumer2.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
    expect(typeof consumer2.attributes['messaging.kafka.offset']).toBe('number');
    expect(producer2.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.message.id': messageId,
    });
    expect(testConsumer.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.message.id': messageId,
      'messaging.consumer.group.name': 'check',
    });

    expect(await bridge1.stop()).toBe(0);
    expect(await bridge2.stop()).toBe(0);
  });
});
