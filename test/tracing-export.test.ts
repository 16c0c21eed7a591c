import { startTracing, tracingSettings } from '@polybus/bridge';
import { connect, type Delivery } from '@polybus/core';
import { deferred, uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from './helpers/otlp-receiver.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});
afterAll(() => receiver.close());

describe('tracing export (the bridge process SDK, OTLP over HTTP/protobuf)', () => {
  it('exports one connected producer -> consumer trace to a real OTLP receiver', async () => {
    const tracing = startTracing(
      tracingSettings({ enabled: true, endpoint: receiver.endpoint, serviceName: 'polybus-test' }, {}),
    );
    expect(tracing).toBeDefined();
    const bus = await connect(`memory://${uniqueName('otlp')}`, { tracing: true });
    const got = deferred<Delivery>();
    await bus.subscribe('orders', (d) => got.resolve(d), { group: 'billing' });
    await bus.publish('orders', { body: '{}', id: 'order-1' });
    await got.promise;
    await bus.close();
    await tracing?.shutdown();

    await receiver.waitFor((spans) => spans.some((s) => s.name === 'process orders'));
    const producer = receiver.spans.find((s) => s.name === 'send orders');
    const consumer = receiver.spans.find((s) => s.name === 'process orders');
    expect(producer?.kind).toBe(4);
    expect(consumer?.kind).toBe(5);
    expect(consumer?.traceId).toBe(producer?.traceId);
    expect(consumer?.parentSpanId).toBe(producer?.spanId);
    expect(consumer?.serviceName).toBe('polybus-test');
    expect(consumer?.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.consumer.group.name': 'billing',
      'messaging.message.id': 'order-1',
    });
  });
});
