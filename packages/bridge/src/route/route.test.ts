import { ConnectionError, createMessage, MemoryTransport, silentLogger, type Transport } from '@polybus/core';
import { deferred, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RouteConfig, routeSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { createRoute, type Route } from './route.js';
import { FakeSink } from './test/fake-sink.js';

const routes: Route[] = [];
const sources: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(routes.splice(0).map((r) => r.stop(1000)));
  await Promise.all(sources.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
});

async function setup(route: Record<string, unknown>, sinks: Record<string, FakeSink>) {
  const broker = uniqueName('route');
  const source = new MemoryTransport(
    broker,
    { maxQueuedPerGroup: 100_000, maxMessageBytes: 1 << 20, publishTimeoutMs: 5000 },
    silentLogger,
  );
  sources.push(source);
  const connections = new Map<string, Transport>([['src', source], ...Object.entries(sinks)]);
  const config: RouteConfig = routeSchema.parse({
    name: 'r',
    from: { connection: 'src', topic: 'in', group: 'bridge' },
    ...route,
  });
  const metrics = createMetrics({ processMetrics: false });
  const created = createRoute({ config, connections, metrics, logger: silentLogger });
  routes.push(created);
  await created.start();
  return { source, route: created, metrics };
}

/** Publishes bodies to the source topic with ids m0, m1, ... */
const send = (source: MemoryTransport, bodies: string[]) =>
  source.publish(
    'in',
    bodies.map((body, i) => createMessage({ id: `m${i}`, body })),
  );

describe('createRoute', () => {
  it('acks the source only after every sink confirmed', async () => {
    const a = new FakeSink();
    const b = new FakeSink();
    const release = deferred();
    b.behaviour = () => release.promise;
    const { source, route } = await setup(
      {
        to: [
          { connection: 'a', address: 'x' },
          { connection: 'b', address: 'y' },
        ],
      },
      { a, b },
    );
    await send(source, ['one']);
    await expect.poll(() => a.published.length).toBe(1);
    expect(route.status().counters.acked).toBe(0);
    expect(route.status().inFlight).toBe(1);
    release.resolve();
    await expect.poll(() => route.status().counters.acked).toBe(1);
    expect(b.published).toHaveLength(1);
  });

  it('holds at most maxInFlight messages while a sink is slow', async () => {
    const slow = new FakeSink();
    slow.behaviour = () => new Promise((r) => setTimeout(r, 20));
    const { source, route } = await setup(
      { to: [{ connection: 'slow', address: 'x' }], maxInFlight: 4 },
      { slow },
    );
    await send(
      source,
      Array.from({ length: 40 }, (_, i) => `b${i}`),
    );
    await expect.poll(() => slow.published.length, { timeout: 10_000 }).toBe(40);
    expect(slow.maxPending).toBeLessThanOrEqual(4);
    expect(route.status().counters).toMatchObject({ received: 40, acked: 40, published: 40 });
  });

  it('retries a transport error, then dead-letters with the attempts made and the original message', async () => {
    const down = new FakeSink();
    down.behaviour = async () => {
      throw new ConnectionError('sink down');
    };
    const dlq = new FakeSink();
    const { source, route, metrics } = await setup(
      {
        to: [{ connection: 'down', address: 'x' }],
        retry: { maxAttempts: 3, initialDelay: 5, maxDelay: 10 },
        deadLetter: { connection: 'dlq', address: 'dead' },
      },
      { down, dlq },
    );
    await source.publish('in', [
      createMessage({ id: 'keep', body: 'payload', headers: { h: '1' }, key: 'k' }),
    ]);
    await expect.poll(() => dlq.published.length).toBe(1);
    expect(down.calls).toBe(3);
    const letter = dlq.published[0];
    expect(letter?.id).toBe('keep');
    expect(letter?.key).toBe('k');
    expect(new TextDecoder().decode(letter?.body)).toBe('payload');
    expect(letter?.headers).toMatchObject({
      h: '1',
      'x-polybus-attempts': '3',
      'x-polybus-route': 'r',
      'x-polybus-source': 'src/topic=in',
    });
    expect(letter?.headers['x-polybus-error']).toContain('sink down');
    await expect.poll(() => route.status().counters.acked).toBe(1);
    expect((await metrics.deadLettered.get()).values[0]?.value).toBe(1);
  });

  it('nacks the source (never drops) when the dead-letter publish fails too, and redelivers', async () => {
    const down = new FakeSink();
    let failing = true;
    down.behaviour = async () => {
      if (failing) throw new ConnectionError('sink down');
    };
    const dlq = new FakeSink();
    dlq.behaviour = async () => {
      throw new ConnectionError('dlq down');
    };
    const { source, route } = await setup(
      {
        to: [{ connection: 'down', address: 'x' }],
        retry: { maxAttempts: 1, initialDelay: 5, maxDelay: 10 },
        deadLetter: { connection: 'dlq', address: 'd' },
      },
      { down, dlq },
    );
    await send(source, ['precious']);
    await expect.poll(() => route.status().counters.nacked).toBeGreaterThanOrEqual(1);
    expect(route.status().counters.acked).toBe(0);
    failing = false;
    await expect.poll(() => down.published.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => route.status().counters.acked).toBe(1);
    expect(route.status().counters.received).toBeGreaterThanOrEqual(2);
  });

  it('metrics read at any time show every count, per route and sink, and no series before the first message', async () => {
    const a = new FakeSink();
    const b = new FakeSink();
    const release = deferred();
    b.behaviour = () => release.promise;
    const { source, route, metrics } = await setup(
      {
        filter: 'body != "drop"',
        to: [
          { connection: 'a', address: 'x' },
          { connection: 'b', address: 'y', when: 'body != "a-only"' },
        ],
      },
      { a, b },
    );
    const text = () => metrics.registry.metrics();
    expect(await text()).not.toMatch(/route="r"/);
    await send(source, ['one', 'drop', 'a-only', 'two']);
    await expect.poll(() => a.published.length).toBe(3);
    // 'one' and 'two' wait for b; 'a-only' is done: a sink's publish counts once the message is done.
    await expect.poll(() => route.status().counters.acked).toBe(2);
    expect(await text()).toContain('polybus_inflight_messages{route="r"} 2');
    expect(await text()).toContain('polybus_messages_published_total{route="r",sink="a/x"} 1');
    expect(await text()).not.toContain('sink="b/y"');
    release.resolve();
    await expect.poll(() => route.status().counters.acked).toBe(4);
    const final = await text();
    expect(final).toContain('polybus_messages_received_total{route="r"} 4');
    expect(final).toContain('polybus_messages_filtered_total{route="r"} 1');
    expect(final).toContain('polybus_messages_published_total{route="r",sink="a/x"} 3');
    expect(final).toContain('polybus_messages_published_total{route="r",sink="b/y"} 2');
    expect(final).toContain('polybus_inflight_messages{route="r"} 0');
    expect(final).toContain('polybus_delivery_duration_seconds_count{route="r"} 4');
    expect((await metrics.received.get()).values).toEqual([{ labels: { route: 'r' }, value: 4 }]);
  });

  it('stop() waits for in-flight messages to be published and acked', async () => {
    const sink = new FakeSink();
    const release = deferred();
    sink.behaviour = () => release.promise;
    const { source, route } = await setup({ to: [{ connection: 'sink', address: 'x' }] }, { sink });
    await send(source, ['a', 'b', 'c']);
    await expect.poll(() => route.status().inFlight).toBe(3);
    const stopped = route.stop(5000);
    setTimeout(() => release.resolve(), 50);
    await stopped;
    expect(route.status()).toMatchObject({ state: 'stopped', inFlight: 0, counters: { acked: 3 } });
  });

  it('pause() drains and stops intake; resume() subscribes again and nothing is lost', async () => {
    const out = new FakeSink();
    const release = deferred();
    out.behaviour = () => release.promise;
    const { source, route } = await setup({ to: [{ connection: 'out', address: 'x' }] }, { out });
    await send(source, ['a']);
    await expect.poll(() => route.status().inFlight).toBe(1);
    const paused = route.pause(5000);
    setTimeout(() => release.resolve(), 50);
    await paused;
    expect(route.status()).toMatchObject({ state: 'paused', inFlight: 0, counters: { acked: 1 } });
    out.behaviour = async () => undefined;
    await source.publish('in', [createMessage({ id: 'while-paused', body: 'b' })]);
    await new Promise((r) => setTimeout(r, 100));
    expect(out.published.map((m) => m.id)).toEqual(['m0']);
    await route.resume();
    expect(route.status().state).toBe('running');
    await expect.poll(() => out.published.map((m) => m.id)).toEqual(['m0', 'while-paused']);
    expect(route.inputEnded()).toBe(false);
  });
});
