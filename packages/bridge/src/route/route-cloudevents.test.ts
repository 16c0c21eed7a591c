import { createMessage, MemoryTransport, silentLogger, type Transport } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { routeSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { createRoute, type Route } from './route.js';
import { FakeSink } from './test/fake-sink.js';

/** A fake sink that speaks the NATS binding (its scheme picks the binding). */
class NatsSink extends FakeSink {
  override readonly scheme = 'nats';
}

const routes: Route[] = [];
const sources: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(routes.splice(0).map((r) => r.stop(1000)));
  await Promise.all(sources.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
});

async function setup(route: Record<string, unknown>, sinks: Record<string, FakeSink>) {
  const source = new MemoryTransport(
    uniqueName('ce'),
    { maxQueuedPerGroup: 1000, maxMessageBytes: 1 << 20, publishTimeoutMs: 5000 },
    silentLogger,
  );
  sources.push(source);
  const connections = new Map<string, Transport>([['src', source], ...Object.entries(sinks)]);
  const { from, ...rest } = route;
  const config = routeSchema.parse({
    name: 'r',
    from: { connection: 'src', address: 'in', group: 'b', ...(from as object) },
    ...rest,
  });
  const created = createRoute({
    config,
    connections,
    metrics: createMetrics({ processMetrics: false }),
    logger: silentLogger,
  });
  routes.push(created);
  await created.start();
  return source;
}

/** A binary-mode CloudEvent as memory:// carries it (the `headers` binding: `ce_` headers). */
const binaryEvent = (id: string, type = 'order.created') =>
  createMessage({
    id,
    body: '{"total":120}',
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_source: '/shop/orders',
      ce_type: type,
      'content-type': 'application/json',
      'x-user': 'kept',
    },
  });

describe('CloudEvents on routes', () => {
  it('writes the event in the sink mode with the sink binding, other headers kept', async () => {
    const structured = new NatsSink();
    const binary = new NatsSink();
    const source = await setup(
      {
        to: [
          { connection: 's', address: 'a', cloudEvents: 'structured' },
          { connection: 'b', address: 'b', cloudEvents: 'binary' },
        ],
      },
      { s: structured, b: binary },
    );
    await source.publish('in', [binaryEvent('e-1')]);
    await expect.poll(() => structured.published.length + binary.published.length).toBe(2);

    const s = structured.published[0];
    expect(s?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(s?.headers['x-user']).toBe('kept');
    expect(s?.headers.ce_type).toBeUndefined();
    expect(JSON.parse(Buffer.from(s?.body ?? []).toString())).toEqual({
      specversion: '1.0',
      id: 'e-1',
      source: '/shop/orders',
      type: 'order.created',
      datacontenttype: 'application/json',
      data: { total: 120 },
    });
    const b = binary.published[0];
    expect(b?.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-id': 'e-1',
      'ce-source': '/shop/orders',
      'ce-type': 'order.created',
      'ce-datacontenttype': 'application/json',
      'x-user': 'kept',
    });
    expect(Buffer.from(b?.body ?? []).toString()).toBe('{"total":120}');
  });

  it('passes a message that is not a CloudEvent through unchanged when the source does not require one', async () => {
    const sink = new NatsSink();
    const source = await setup(
      { to: [{ connection: 's', address: 'a', cloudEvents: 'binary' }] },
      { s: sink },
    );
    await source.publish('in', [createMessage({ id: 'plain', body: 'x', headers: { a: 'b' } })]);
    await expect.poll(() => sink.published.length).toBe(1);
    expect(sink.published[0]?.headers).toEqual({ a: 'b' });
  });

  it('dead-letters what is not a CloudEvent in the mode the source requires, saying why', async () => {
    const sink = new FakeSink();
    const dlq = new FakeSink();
    const source = await setup(
      {
        from: { cloudEvents: 'binary' },
        to: [{ connection: 's', address: 'a' }],
        deadLetter: { connection: 'd', address: 'dlq' },
      },
      { s: sink, d: dlq },
    );
    await source.publish('in', [
      createMessage({ id: 'plain', body: 'x' }),
      createMessage({
        id: 'structured',
        body: '{"specversion":"1.0","id":"1","source":"/s","type":"t"}',
        headers: { 'content-type': 'application/cloudevents+json' },
      }),
      createMessage({ id: 'broken', body: 'x', headers: { ce_specversion: '1.0', ce_id: '1' } }),
      binaryEvent('good'),
    ]);
    await expect.poll(() => dlq.published.length + sink.published.length).toBe(4);
    expect(sink.published.map((m) => m.id)).toEqual(['good']);
    const why = Object.fromEntries(dlq.published.map((m) => [m.id, m.headers['x-polybus-error']]));
    expect(why.plain).toMatch(/not a CloudEvent/);
    expect(why.structured).toMatch(/structured-mode CloudEvent where the source requires binary/);
    expect(why.broken).toMatch(/required attribute source/);
  });

  it('exposes the attributes as ce to filter and transform', async () => {
    const sink = new FakeSink();
    const source = await setup(
      {
        filter: 'ce.type = "order.created"',
        transform: { headers: { 'x-origin': 'ce.source' } },
        to: [{ connection: 's', address: 'a' }],
      },
      { s: sink },
    );
    await source.publish('in', [
      binaryEvent('e-1'),
      binaryEvent('e-2', 'order.cancelled'),
      createMessage({ id: 'plain', body: 'x' }),
    ]);
    await expect.poll(() => sink.published.length).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.published.map((m) => m.id)).toEqual(['e-1']);
    expect(sink.published[0]?.headers['x-origin']).toBe('/shop/orders');
  });
});
