import { createMessage, MemoryTransport, type Message, silentLogger, type Transport } from '@polybus/core';
import { deferred, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RouteConfig, routeSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { createRoute, type Route } from './route.js';
import { createRouteDedupe } from './route-dedupe.js';
import { FakeSink } from './test/fake-sink.js';

const routes: Route[] = [];
const sources: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(routes.splice(0).map((r) => r.stop(1000)));
  await Promise.all(sources.splice(0).map((s) => s.close({ timeoutMs: 1000 })));
});

const config = (dedupe: Record<string, unknown>): RouteConfig =>
  routeSchema.parse({
    name: 'r',
    from: { connection: 'src', topic: 'in', group: 'bridge' },
    to: [{ connection: 'out', address: 'x' }],
    dedupe,
  });

async function setup(sink: FakeSink) {
  const source = new MemoryTransport(
    uniqueName('dedupe'),
    { maxQueuedPerGroup: 10_000, maxMessageBytes: 1 << 20, publishTimeoutMs: 5000 },
    silentLogger,
  );
  sources.push(source);
  const connections = new Map<string, Transport>([
    ['src', source],
    ['out', sink],
  ]);
  const metrics = createMetrics({ processMetrics: false });
  const route = createRoute({
    config: config({ window: '1m', count: 1000, seed: 'none' }),
    connections,
    metrics,
    logger: silentLogger,
  });
  routes.push(route);
  await route.start();
  return { source, route, metrics };
}

describe('route dedupe', () => {
  it('publishes an id once, acks and counts the copies', async () => {
    const sink = new FakeSink();
    const { source, route, metrics } = await setup(sink);
    const copies = (id: string, n: number): Message[] =>
      Array.from({ length: n }, () => createMessage({ id, body: id }));
    await source.publish('in', [...copies('a', 3), ...copies('b', 1)]);
    await source.publish('in', copies('a', 2));
    await expect.poll(() => route.status().counters.acked).toBe(6);
    expect(sink.published.map((m) => m.id).sort()).toEqual(['a', 'b']);
    expect((await metrics.duplicatesDropped.get()).values[0]).toMatchObject({
      value: 4,
      labels: { route: 'r' },
    });
  });

  it('lets a copy through when the first copy was not moved (nacked for redelivery)', async () => {
    const dedupe = createRouteDedupe(config({ seed: 'none' }), undefined, silentLogger);
    if (!dedupe) throw new Error('no dedupe');
    expect(await dedupe.admit('x')).toBe(true);
    let second: boolean | undefined;
    const waiting = dedupe.admit('x').then((go) => {
      second = go;
    });
    await Promise.resolve();
    expect(second).toBeUndefined(); // waits for the first copy's outcome
    dedupe.finish('x', false);
    await waiting;
    expect(second).toBe(true);
    dedupe.finish('x', true);
    expect(await dedupe.admit('x')).toBe(false);
  });

  it('holds a copy while the first is in flight, then drops it once the first was moved', async () => {
    const sink = new FakeSink();
    const release = deferred();
    sink.behaviour = () => release.promise;
    const { source, route } = await setup(sink);
    await source.publish('in', [
      createMessage({ id: 'slow', body: '1' }),
      createMessage({ id: 'slow', body: '2' }),
    ]);
    await expect.poll(() => sink.calls).toBe(1);
    expect(route.status().inFlight).toBe(2);
    release.resolve();
    await expect.poll(() => route.status().counters.acked).toBe(2);
    expect(sink.published).toHaveLength(1);
  });

  it('refuses seed: sink when the first sink cannot be read', async () => {
    const dedupe = createRouteDedupe(
      config({ seed: 'sink' }),
      { transport: new FakeSink(), address: 'x' },
      silentLogger,
    );
    await expect(dedupe?.seed()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
