import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { createMessage, MemoryTransport, silentLogger, type Transport } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routeSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { createRoute, type Route } from './route.js';
import { FakeSink } from './test/fake-sink.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register({ propagator: new W3CTraceContextPropagator() });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
});

const routes: Route[] = [];
const sources: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(routes.splice(0).map((r) => r.stop(1000)));
  await Promise.all(sources.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
  exporter.reset();
});

async function setup(route: Record<string, unknown>, sinks: Record<string, FakeSink>, tracing: boolean) {
  const source = new MemoryTransport(
    uniqueName('trace'),
    { maxQueuedPerGroup: 1000, maxMessageBytes: 1 << 20, publishTimeoutMs: 5000 },
    silentLogger,
  );
  sources.push(source);
  const connections = new Map<string, Transport>([['src', source], ...Object.entries(sinks)]);
  const config = routeSchema.parse({
    name: 'r',
    from: { connection: 'src', address: 'in', group: 'b' },
    ...route,
  });
  const created = createRoute({
    config,
    connections,
    metrics: createMetrics({ processMetrics: false }),
    logger: silentLogger,
    tracing,
  });
  routes.push(created);
  await created.start();
  return source;
}

const named = (prefix: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.name.startsWith(prefix));
const one = (prefix: string): ReadableSpan => {
  const spans = named(prefix);
  expect(spans, prefix).toHaveLength(1);
  return spans[0] as ReadableSpan;
};

describe('route tracing', () => {
  it('links consumer -> filter, transform, publish -> producer, and the published headers', async () => {
    const sink = new FakeSink();
    const source = await setup(
      {
        filter: 'body.n > 0',
        transform: { body: '{ "m": body.n }' },
        to: [{ connection: 'a', address: 'out' }],
      },
      { a: sink },
      true,
    );
    await source.publish('in', [createMessage({ id: 'm-1', body: '{"n":1}' })]);
    await expect.poll(() => named('process in').length).toBe(1);

    const consumer = one('process in');
    const filter = one('filter r');
    const transform = one('transform r');
    const publish = one('publish r');
    const producer = one('send out');
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.attributes).toMatchObject({ 'polybus.route': 'r', 'messaging.message.id': 'm-1' });
    for (const stage of [filter, transform, publish]) {
      expect(stage.kind).toBe(SpanKind.INTERNAL);
      expect(stage.parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);
      expect(stage.spanContext().traceId).toBe(consumer.spanContext().traceId);
      expect(stage.attributes).toMatchObject({ 'polybus.route': 'r', 'messaging.message.id': 'm-1' });
    }
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'fake',
      'messaging.destination.name': 'out',
      'polybus.sink': 'a/out',
    });
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(sink.published[0]?.headers.traceparent).toContain(producer.spanContext().spanId);
  });

  it('records a dead-letter stage span with an error status on the failing stage', async () => {
    const sink = new FakeSink();
    const dlq = new FakeSink();
    const source = await setup(
      {
        transform: { body: '$error("boom")' },
        to: [{ connection: 'a', address: 'out' }],
        deadLetter: { connection: 'd', address: 'dlq' },
      },
      { a: sink, d: dlq },
      true,
    );
    await source.publish('in', [createMessage({ id: 'm-2', body: '{}' })]);
    await expect.poll(() => dlq.published.length).toBe(1);
    await expect.poll(() => named('process in').length).toBe(1);
    expect(one('transform r').status.code).toBe(SpanStatusCode.ERROR);
    const deadLetter = one('dead-letter r');
    expect(deadLetter.parentSpanContext?.spanId).toBe(one('process in').spanContext().spanId);
    expect(one('send dlq').parentSpanContext?.spanId).toBe(deadLetter.spanContext().spanId);
  });

  it('records no span for a delivery its producer did not sample, and passes that decision on', async () => {
    const sink = new FakeSink();
    const source = await setup(
      { transform: { body: '{ "m": body.n }' }, to: [{ connection: 'a', address: 'out' }] },
      { a: sink },
      true,
    );
    const unsampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    await source.publish('in', [
      createMessage({ id: 'm-4', body: '{"n":1}', headers: { traceparent: unsampled } }),
    ]);
    await expect.poll(() => sink.published.length).toBe(1);
    expect(new TextDecoder().decode(sink.published[0]?.body)).toBe('{"m":1}');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(sink.published[0]?.headers.traceparent).toBe(unsampled);
  });

  it('records nothing and injects nothing without tracing', async () => {
    const sink = new FakeSink();
    const source = await setup({ to: [{ connection: 'a', address: 'out' }] }, { a: sink }, false);
    await source.publish('in', [createMessage({ id: 'm-3', body: 'x' })]);
    await expect.poll(() => sink.published.length).toBe(1);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(sink.published[0]?.headers.traceparent).toBeUndefined();
  });
});
