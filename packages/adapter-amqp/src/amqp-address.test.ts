import { describe, expect, it } from 'vitest';
import { bindingPattern, groupQueueName, parseAmqpAddress } from './amqp-address.js';

describe('parseAmqpAddress', () => {
  it('reads the three address kinds', () => {
    expect(parseAmqpAddress('orders.v1')).toEqual({ kind: 'topic', exchange: 'orders.v1' });
    expect(parseAmqpAddress({ queue: 'legacy queue' })).toEqual({ kind: 'queue', queue: 'legacy queue' });
    expect(parseAmqpAddress({ exchange: 'ex', routingKey: 'a.*' })).toEqual({
      kind: 'exchange',
      exchange: 'ex',
      routingKey: 'a.*',
    });
    expect(parseAmqpAddress({ exchange: 'ex' })).toEqual({
      kind: 'exchange',
      exchange: 'ex',
      routingKey: undefined,
    });
  });

  it('rejects what RabbitMQ would refuse with an AddressError', () => {
    const bad: unknown[] = [
      '',
      'has space',
      'amq.topic',
      'x'.repeat(256),
      { queue: '' },
      { exchange: '' },
      { queue: 'q', exchange: 'e' },
      { topic: 't' },
      { exchange: 'e', routingKey: 'k'.repeat(256) },
      42,
    ];
    for (const address of bad) {
      expect(() => parseAmqpAddress(address as string), JSON.stringify(address)).toThrow(
        expect.objectContaining({ code: 'ADDRESS_INVALID' }),
      );
    }
  });
});

describe('group queues and bindings', () => {
  it('names group queues <exchange>.<group> and refuses names over 255 bytes', () => {
    expect(groupQueueName('orders', 'billing')).toBe('orders.billing');
    expect(() => groupQueueName('o'.repeat(200), 'g'.repeat(60))).toThrow(
      expect.objectContaining({ code: 'ADDRESS_INVALID' }),
    );
  });

  it('binds with # unless an exchange address names a routing key', () => {
    expect(bindingPattern({ kind: 'topic', exchange: 'a' })).toBe('#');
    expect(bindingPattern({ kind: 'exchange', exchange: 'a', routingKey: undefined })).toBe('#');
    expect(bindingPattern({ kind: 'exchange', exchange: 'a', routingKey: 'eu.*' })).toBe('eu.*');
  });
});
