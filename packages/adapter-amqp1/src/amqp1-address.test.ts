import { describe, expect, it } from 'vitest';
import { memberLinkName, parseAmqp1Address, subscriptionName } from './amqp1-address.js';

describe('parseAmqp1Address', () => {
  it('reads a string as a topic, and { topic } / { queue }', () => {
    expect(parseAmqp1Address('orders')).toEqual({ kind: 'topic', name: 'orders' });
    expect(parseAmqp1Address({ topic: 'orders' })).toEqual({ kind: 'topic', name: 'orders' });
    expect(parseAmqp1Address({ queue: 'jobs' })).toEqual({ kind: 'queue', name: 'jobs' });
    expect(parseAmqp1Address({ queue: 'orders::audit' })).toEqual({ kind: 'queue', name: 'orders::audit' });
  });

  it('rejects empty names, whitespace, control characters and unknown keys with an AddressError', () => {
    for (const bad of [
      '',
      'a b',
      'a\u0001',
      { queue: '' },
      { topic: 'x', queue: 'y' },
      { exchange: 'x' },
      {},
    ]) {
      expect(() => parseAmqp1Address(bad)).toThrow(expect.objectContaining({ code: 'ADDRESS_INVALID' }));
    }
  });
});

describe('subscription and link names', () => {
  it('names a group subscription <topic>.<group>', () => {
    expect(subscriptionName('orders', 'billing')).toBe('orders.billing');
  });

  it('refuses groups that would break link names', () => {
    for (const bad of ['', 'a|b', 'a b']) {
      expect(() => subscriptionName('t', bad)).toThrow(expect.objectContaining({ code: 'ADDRESS_INVALID' }));
    }
  });

  it('suffixes the second and later members on one connection with |n', () => {
    expect(memberLinkName('orders.billing', 1)).toBe('orders.billing');
    expect(memberLinkName('orders.billing', 2)).toBe('orders.billing|2');
  });
});
