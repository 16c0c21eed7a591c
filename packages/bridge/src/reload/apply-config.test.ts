import { createMessage, createRegistry, memoryAdapter, silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBridge, startBridge } from '../bridge.js';
import { type BridgeConfig, configSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';

let bridge: RunningBridge | undefined;
afterEach(async () => bridge?.stop());

const registry = createRegistry(memoryAdapter);
const configOf = (broker: string, routes: unknown[], extra: Record<string, unknown> = {}): BridgeConfig =>
  configSchema.parse({
    connections: { bus: `memory://${broker}`, ...extra },
    http: { enabled: false },
    shutdownTimeout: '5s',
    routes,
  });
const route = (name: string, from: string, to: string, filter?: string) => ({
  name,
  from: { connection: 'bus', topic: from, group: 'g' },
  to: [{ connection: 'bus', topic: to }],
  ...(filter ? { filter } : {}),
});

describe('RunningBridge.applyConfig', () => {
  it('keeps an unchanged route running, restarts a changed one, starts an added one, stops a removed one', async () => {
    const broker = uniqueName('apply');
    const start = configOf(broker, [
      route('keep', 'a', 'a.out'),
      route('change', 'b', 'b.out'),
      route('drop', 'c', 'c.out'),
    ]);
    bridge = await startBridge({
      config: start,
      registry,
      logger: silentLogger,
      metrics: createMetrics({ processMetrics: false }),
    });
    const bus = registry.createTransport(`memory://${broker}`, {}, { logger: silentLogger });
    await bus.connect();
    const seen: Record<string, string[]> = { 'a.out': [], 'b.out': [], 'd.out': [] };
    for (const topic of Object.keys(seen))
      await bus.subscribe(
        topic,
        async (d) => {
          seen[topic]?.push(d.message.id);
          await d.ack();
        },
        { group: 'probe' },
      );
    await bus.publish('a', [createMessage({ id: 'a1', body: '1' })]);
    await expect.poll(() => seen['a.out']).toEqual(['a1']);

    const next = configOf(broker, [
      route('keep', 'a', 'a.out'),
      route('change', 'b', 'b.out', 'body.n > 1'),
      route('add', 'd', 'd.out'),
    ]);
    const diff = await bridge.applyConfig(next);
    expect(diff.routes).toEqual({
      unchanged: ['keep'],
      changed: ['change'],
      added: ['add'],
      removed: ['drop'],
    });
    const keep = bridge.routes().find((r) => r.name === 'keep');
    expect(keep?.counters.received).toBe(1); // same route object: its counters went on
    expect(bridge.routes().map((r) => [r.name, r.state])).toEqual([
      ['keep', 'running'],
      ['change', 'running'],
      ['add', 'running'],
    ]);
    await bus.publish('b', [
      createMessage({ id: 'b1', body: '{"n":1}' }),
      createMessage({ id: 'b2', body: '{"n":2}' }),
    ]);
    await bus.publish('d', [createMessage({ id: 'd1', body: '1' })]);
    await bus.publish('a', [createMessage({ id: 'a2', body: '2' })]);
    await expect.poll(() => seen['b.out']).toEqual(['b2']);
    await expect.poll(() => seen['d.out']).toEqual(['d1']);
    await expect.poll(() => seen['a.out']).toEqual(['a1', 'a2']);
    expect(bridge.config()).toBe(next);

    expect(await bridge.pauseRoute('keep')).toBe(true);
    expect(bridge.routes()[0]?.state).toBe('paused');
    await bus.publish('a', [createMessage({ id: 'a3', body: '3' })]);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen['a.out']).toEqual(['a1', 'a2']);
    expect(await bridge.resumeRoute('keep')).toBe(true);
    await expect.poll(() => seen['a.out']).toEqual(['a1', 'a2', 'a3']);
    expect(await bridge.pauseRoute('nope')).toBe(false);
    await bus.close();
  });
});
