import { AddressError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { filterExpressionOf, parsePublishAddress, parseRocketmqAddress } from './rocketmq-address.js';

describe('parseRocketmqAddress', () => {
  it('reads a topic string and a topic with a tag', () => {
    expect(parseRocketmqAddress('orders')).toEqual({ topic: 'orders' });
    expect(parseRocketmqAddress({ topic: 'orders', tag: 'paid || refunded' })).toEqual({
      topic: 'orders',
      tag: 'paid || refunded',
    });
  });

  it.each([
    '',
    'has space',
    'a.b',
    'x'.repeat(128),
    { topic: 'ok', extra: 1 },
    { topic: 'ok', tag: 'a b' },
    42,
  ])('rejects %j', (address) => {
    expect(() => parseRocketmqAddress(address as never)).toThrow(AddressError);
  });

  it('filters every tag by default', () => {
    expect(filterExpressionOf({ topic: 't' })).toBe('*');
    expect(filterExpressionOf({ topic: 't', tag: 'a || b' })).toBe('a || b');
  });
});

describe('parsePublishAddress', () => {
  it('accepts one tag', () => {
    expect(parsePublishAddress({ topic: 't', tag: 'paid' })).toEqual({ topic: 't', tag: 'paid' });
  });

  it.each(['*', 'a || b'])('rejects the expression %s', (tag) => {
    expect(() => parsePublishAddress({ topic: 't', tag })).toThrow(AddressError);
  });
});
