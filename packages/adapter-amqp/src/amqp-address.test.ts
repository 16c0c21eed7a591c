import { AddressError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { AddressMemo, bindingPattern, groupQueueName, parseAmqpAddress } from './amqp-address.js';

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

describe('AddressMemo', () => {
  it('returns the same target for the same address without parsing again, and parses a changed one', () => {
    const memo = new AddressMemo();
    const address = { queue: 'q1' };
    const first = memo.parse(address);
    expect(first).toEqual({ kind: 'queue', queue: 'q1' });
    expect(memo.parse(address)).toBe(first);
    (address as { queue: string }).queue = 'q2';
    expect(memo.parse(address)).toEqual({ kind: 'queue', queue: 'q2' });
    expect(memo.parse('orders')).toEqual({ kind: 'topic', exchange: 'orders' });
    expect(memo.parse('orders')).toBe(memo.parse('orders'));
    const ex = { exchange: 'x', routingKey: 'a' };
    expect(memo.parse(ex)).toEqual({ kind: 'exchange', exchange: 'x', routingKey: 'a' });
    ex.routingKey = 'b';
    expect(memo.parse(ex)).toEqual({ kind: 'exchange', exchange: 'x', routingKey: 'b' });
  });

  it('throws AddressError for an invalid address every time', () => {
    const memo = new AddressMemo();
    expect(() => memo.parse({ queue: '' })).toThrow(AddressError);
    expect(() => memo.parse({ queue: '' })).toThrow(AddressError);
  });
});
