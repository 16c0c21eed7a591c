import { UnknownSchemeError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { LAZY_BROKER_ADAPTERS, loadBridgeRegistry, loadBrokerAdapters } from './adapter-loader.js';

describe('loadBrokerAdapters', () => {
  it("lists for every package exactly the schemes its descriptor serves (a new alias can't go unloaded)", async () => {
    for (const adapter of LAZY_BROKER_ADAPTERS) {
      const descriptor = await adapter.load();
      expect([descriptor.scheme, ...(descriptor.aliases ?? [])].sort(), adapter.packageName).toEqual(
        [...adapter.schemes].sort(),
      );
    }
  });

  it('loads only the adapters serving the schemes asked for, primary or alias', async () => {
    expect((await loadBrokerAdapters(['amqps'])).map((d) => d.scheme)).toEqual(['amqp']);
    expect((await loadBrokerAdapters(['nats', 'kafka', 'memory'])).map((d) => d.scheme)).toEqual([
      'kafka',
      'nats',
    ]);
  });

  it('loads none for a config of in-process connections only', async () => {
    expect(await loadBrokerAdapters(['memory', 'stdio'])).toEqual([]);
    expect(await loadBrokerAdapters([])).toEqual([]);
  });

  it('loads every adapter when no schemes are given, or one is unknown (so the error can list every scheme)', async () => {
    const all = ['amqp', 'kafka', 'redis', 'nats', 'mqtt', 'amqp1', 'zmq+tcp', 'rocketmq'];
    expect((await loadBrokerAdapters()).map((d) => d.scheme)).toEqual(all);
    expect((await loadBrokerAdapters(['amqp', 'sqs'])).map((d) => d.scheme)).toEqual(all);
  });
});

describe('loadBridgeRegistry', () => {
  it('always serves memory:// and stdio://, plus the broker schemes asked for', async () => {
    const registry = await loadBridgeRegistry(['redis']);
    expect(registry.schemes()).toEqual(['memory', 'stdio', 'redis', 'rediss']);
    expect(registry.resolve('rediss://h:6380').scheme).toBe('redis');
  });

  it('names every scheme of this build in the unknown-scheme error', async () => {
    const registry = await loadBridgeRegistry(['sqs']);
    let caught: unknown;
    try {
      registry.resolve('sqs://h');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownSchemeError);
    for (const scheme of [
      'memory',
      'stdio',
      'amqp',
      'amqps',
      'kafka',
      'redis',
      'rediss',
      'nats',
      'mqtt',
      'amqp1',
      'rocketmq',
    ])
      expect((caught as Error).message).toMatch(new RegExp(`[ (]${scheme}:`));
  });
});
