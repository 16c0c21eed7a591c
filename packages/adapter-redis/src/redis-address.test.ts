import { isPolybusError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { parseRedisAddress } from './redis-address.js';

describe('parseRedisAddress', () => {
  it('reads a string as a stream key', () => {
    expect(parseRedisAddress('orders')).toEqual({ kind: 'stream', stream: 'orders' });
  });
  it('reads { stream } and { channel }', () => {
    expect(parseRedisAddress({ stream: 'a:b' })).toEqual({ kind: 'stream', stream: 'a:b' });
    expect(parseRedisAddress({ channel: 'news.*x' })).toEqual({ kind: 'channel', channel: 'news.*x' });
  });
  it.each([
    [''],
    [{ stream: '' }],
    [{ channel: '' }],
    [{ stream: 'a', channel: 'b' }],
    [{ queue: 'q' }],
    ['bad\nname'],
    ['x'.repeat(1025)],
  ])('rejects %j with a typed AddressError', (address) => {
    let error: unknown;
    try {
      parseRedisAddress(address as never);
    } catch (e) {
      error = e;
    }
    expect(isPolybusError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ADDRESS_INVALID');
  });
});
