import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../client.js';
import { deferred, uniqueName } from '../testing/collector.js';
import type { Delivery } from '../transport.js';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  trace.disable();
  propagation.disable();
});

const byName = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('MessagingTracer through connect({ tracing: true })', () => {
  it('links producer, consumer and a re-publish from the handler into one trace', async () => {
    const bus = await connect(`memory://${uniqueName('trace')}`, { tracing: true });
    const got = deferred<Delivery>();
    const forwarded = deferred<Delivery>();
    await bus.subscribe(
      'in',
      async (d) => {
        got.resolve(d);
        await bus.publish('out', { body: d.message.body, headers: d.message.headers });
      },
      { group: 'g' },
    );
    await bus.subscribe('out', (d) => forwarded.resolve(d), { group: 'g' });
    const [sent] = await bus.publish('in', { body: 'x', id: 'm-1' });
    const delivery = await got.promise;
    await forwarded.promise;
    await bus.close();

    const [producer] = byName('send in');
    const [consumer] = byName('process in');
    const [reproducer] = byName('send out');
    const [finalConsumer] = byName('process out');
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    const traceId = producer?.spanContext().traceId;
    for (const span of [consumer, reproducer, finalConsumer])
      expect(span?.spanContext().traceId).toBe(traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(reproducer?.parentSpanContext?.spanId).toBe(consumer?.spanContext().spanId);
    expect(finalConsumer?.parentSpanContext?.spanId).toBe(reproducer?.spanContext().spanId);
    expect(producer?.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'in',
      'messaging.operation.type': 'send',
      'messaging.message.id': 'm-1',
    });
    expect(consumer?.attributes).toMatchObject({
      'messaging.consumer.group.name': 'g',
      'messaging.message.id': 'm-1',
    });
    // what was published carries the producer's context; what the handler saw carries its own span's
    expect(sent?.headers.traceparent).toContain(producer?.spanContext().spanId);
    expect(delivery.message.headers.traceparent).toContain(consumer?.spanContext().spanId);
  });

  it('marks the consumer span as an error when the delivery is nacked, and ends it once', async () => {
    exporter.reset();
    const bus = await connect(`memory://${uniqueName('trace')}`, { tracing: true });
    let calls = 0;
    const second = deferred<void>();
    await bus.subscribe(
      't',
      async () => {
        calls++;
        if (calls === 1) throw new Error('handler failed');
        second.resolve();
      },
      { group: 'g' },
    );
    await bus.publish('t', { body: 'x' });
    await second.promise;
    await bus.close();
    const spans = byName('process t');
    expect(spans).toHaveLength(2);
    expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[1]?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('records no span under an unsampled producer and forwards its context unchanged', async () => {
    const bus = await connect(`memory://${uniqueName('trace')}`, { tracing: true });
    const forwarded = deferred<Delivery>();
    const unsampled = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    await bus.subscribe(
      'in',
      async (d) => {
        await bus.publish('out', { body: d.message.body, headers: d.message.headers });
      },
      { group: 'g' },
    );
    await bus.subscribe('out', (d) => forwarded.resolve(d), { group: 'g' });
    exporter.reset();
    await bus.publish('in', { body: 'x', id: 'm-u', headers: { traceparent: unsampled } });
    const delivery = await forwarded.promise;
    await bus.close();
    expect(delivery.message.headers.traceparent).toBe(unsampled);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('injects nothing without tracing', async () => {
    const bus = await connect(`memory://${uniqueName('trace')}`);
    const [sent] = await bus.publish('t', { body: 'x' });
    expect(sent?.headers.traceparent).toBeUndefined();
    await bus.close();
  });
});
