import { ConfigError, silentLogger } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { rocketmqAdapter } from './rocketmq-adapter.js';

const create = (url: string, options: Record<string, unknown> = {}) =>
  rocketmqAdapter.create(url, rocketmqAdapter.optionsSchema.parse(options), { logger: silentLogger });

describe('rocketmqAdapter', () => {
  it('serves rocketmq:// and rocketmqs:// and declares its capabilities', () => {
    expect(rocketmqAdapter.scheme).toBe('rocketmq');
    expect(rocketmqAdapter.aliases).toEqual(['rocketmqs']);
    expect(rocketmqAdapter.capabilities).toMatchObject({
      persistent: true,
      consumerGroups: true,
      nackDelay: true,
    });
    expect(create('rocketmq://127.0.0.1:1').health().state).toBe('down');
  });

  it('defaults its options and rejects unknown ones', () => {
    expect(rocketmqAdapter.optionsSchema.parse({})).toMatchObject({
      invisibleDurationMs: 30_000,
      pollWaitMs: 5_000,
    });
    expect(() => rocketmqAdapter.optionsSchema.parse({ invisibleDurationMs: 1_000 })).toThrow();
    expect(() => rocketmqAdapter.optionsSchema.parse({ nope: 1 })).toThrow();
  });

  it('wants both halves of the ACL credentials, and never shows the secret', () => {
    expect(() => create('rocketmq://127.0.0.1:1', { accessKey: 'ak' })).toThrow(ConfigError);
    try {
      create('rocketmq://127.0.0.1:1', { secretKey: 'very-secret' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('very-secret');
    }
    expect(() => create('rocketmq://ak:sk@127.0.0.1:1')).not.toThrow();
  });

  it('rejects connect() with a ConnectionError when no proxy listens', async () => {
    const t = create('rocketmq://127.0.0.1:1', { connectTimeoutMs: 1_000 });
    await expect(t.connect()).rejects.toMatchObject({ code: 'CONNECTION_FAILED', retriable: true });
    await t.close();
    expect(t.health().state).toBe('closed');
  });
});
