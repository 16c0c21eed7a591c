import { ConfigError, createRegistry } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { natsAdapter } from './nats-adapter.js';
import { NatsTransport } from './nats-transport.js';

describe('natsAdapter descriptor', () => {
  it('serves nats:// with defaulted options and creates an unconnected transport', () => {
    const registry = createRegistry(natsAdapter);
    const t = registry.createTransport('nats://user:secret@127.0.0.1:1', {});
    expect(t).toBeInstanceOf(NatsTransport);
    expect(t.scheme).toBe('nats');
    expect(t.health().state).toBe('down');
    expect(JSON.stringify(t.health())).not.toContain('secret');
    expect(natsAdapter.optionsSchema.parse({})).toMatchObject({
      createStreams: false,
      stream: { storage: 'file', maxAgeMs: 0, duplicateWindowMs: 120_000 },
      ackWaitMs: 30_000,
      maxDeliver: -1,
      maxReconnectAttempts: -1,
      confirmAcks: false,
    });
  });

  it('declares JetStream capabilities and at-most-once ones for core subjects', () => {
    expect(natsAdapter.capabilities).toEqual({
      persistent: true,
      consumerGroups: true,
      orderedPerKey: false,
      nackDelay: true,
      replay: true,
      headers: true,
      maxMessageBytes: 1024 * 1024 - 8 * 1024,
    });
    const t = createRegistry(natsAdapter).createTransport('nats://127.0.0.1:4222');
    expect(t.capabilitiesFor?.({ subject: 'a', core: true })).toMatchObject({
      persistent: false,
      nackDelay: false,
      replay: false,
      consumerGroups: true,
    });
    expect(t.capabilitiesFor?.('a.b')).toEqual(natsAdapter.capabilities);
  });

  it('rejects unknown or invalid options and bad URLs with a ConfigError', () => {
    const registry = createRegistry(natsAdapter);
    expect(() => registry.createTransport('nats://h', { ackWaitMs: 10 })).toThrow(ConfigError);
    expect(() => registry.createTransport('nats://h', { stream: { storage: 'tape' } })).toThrow(ConfigError);
    expect(() => registry.createTransport('nats://h', { nope: true })).toThrow(ConfigError);
    expect(() => registry.createTransport('nats://h/some/path', {})).toThrow(ConfigError);
  });

  it('rejects publish before connect with a typed, retriable error', async () => {
    const t = createRegistry(natsAdapter).createTransport('nats://127.0.0.1:1');
    await expect(t.publish('a', [])).rejects.toMatchObject({ code: 'NOT_CONNECTED', retriable: true });
    await t.close();
    expect(t.health().state).toBe('closed');
  });
});
