import { createRegistry } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { amqp1Adapter } from '../src/index.js';

describe('amqp1Adapter descriptor', () => {
  const registry = createRegistry(amqp1Adapter);

  it('serves amqp1:// and amqps1:// and not AMQP 0-9-1 URLs', () => {
    expect(registry.schemes()).toEqual(['amqp1', 'amqps1']);
    expect(registry.createTransport('amqp1://u:p@127.0.0.1:5673').scheme).toBe('amqp1');
    expect(registry.createTransport('amqps1://u:p@127.0.0.1:5671').scheme).toBe('amqps1');
    expect(() => registry.createTransport('amqp://u:p@127.0.0.1:5672')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEME' }),
    );
  });

  it('validates options and addresses with its schemas', () => {
    expect(() => registry.createTransport('amqp1://h', { maxFrameSize: 1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => registry.createTransport('amqp1://h', { nope: true })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(amqp1Adapter.addressSchema.safeParse({ queue: 'q' }).success).toBe(true);
    expect(amqp1Adapter.addressSchema.safeParse({ exchange: 'x' }).success).toBe(false);
  });

  it('declares what the conformance suite tests: persistent groups, no replay, no nack delay, no key order', () => {
    expect(amqp1Adapter.capabilities).toEqual({
      persistent: true,
      consumerGroups: true,
      orderedPerKey: false,
      nackDelay: false,
      replay: false,
      headers: true,
      maxMessageBytes: 16 * 1024 * 1024,
    });
    const t = registry.createTransport('amqp1://h');
    expect(t.capabilitiesFor?.({ queue: 'q' }).consumerGroups).toBe(false);
    expect(t.health().state).toBe('down');
  });
});
