import { AddressError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { parseZmqAddress } from './zmq-address.js';

describe('parseZmqAddress', () => {
  it('reads a topic string or object on pubsub', () => {
    expect(parseZmqAddress('prices.eur', 'pubsub')).toEqual({ topic: 'prices.eur', exact: false });
    expect(parseZmqAddress({ topic: 'a', exact: true }, 'pubsub')).toEqual({ topic: 'a', exact: true });
    expect(parseZmqAddress({}, 'pubsub')).toEqual({ topic: '', exact: false });
    expect(parseZmqAddress('', 'pubsub')).toEqual({ topic: '', exact: false });
  });

  it('accepts only an empty address on pushpull', () => {
    expect(parseZmqAddress('', 'pushpull')).toEqual({ topic: '', exact: false });
    expect(parseZmqAddress({}, 'pushpull')).toEqual({ topic: '', exact: false });
    expect(() => parseZmqAddress('jobs', 'pushpull')).toThrow(/no topics/);
    expect(() => parseZmqAddress({ exact: true }, 'pushpull')).toThrow(AddressError);
  });

  it('refuses unknown keys, NUL, oversized topics and non-strings', () => {
    expect(() => parseZmqAddress({ queue: 'x' }, 'pubsub')).toThrow(AddressError);
    expect(() => parseZmqAddress('a\0b', 'pubsub')).toThrow(/NUL/);
    expect(() => parseZmqAddress('é'.repeat(513), 'pubsub')).toThrow(/1024 bytes/);
    expect(() => parseZmqAddress({ topic: 7 } as never, 'pubsub')).toThrow(AddressError);
  });
});
