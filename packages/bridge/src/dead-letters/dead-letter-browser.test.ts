import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { REPLAY_OF_HEADER, replayMessage } from './dead-letter-browser.js';

describe('replayMessage', () => {
  it('keeps body, key and user headers, drops the x-polybus-* reasons, takes a fresh id naming the original', () => {
    const letter = createMessage({
      id: 'order-7',
      key: 'customer-1',
      body: new Uint8Array([0, 255, 10]),
      headers: {
        'content-type': 'application/json',
        'x-user': 'kept',
        'x-polybus-error': 'transform failed',
        'x-polybus-route': 'orders',
        'x-polybus-source': 'rabbit/orders',
        'x-polybus-attempts': '1',
      },
    });
    const replayed = replayMessage(letter);
    expect([...replayed.body]).toEqual([0, 255, 10]);
    expect(replayed.key).toBe('customer-1');
    expect(replayed.headers).toEqual({
      'content-type': 'application/json',
      'x-user': 'kept',
      [REPLAY_OF_HEADER]: 'order-7',
    });
    expect(replayed.id).not.toBe('order-7');
    expect(replayMessage(letter).id).not.toBe(replayed.id);
  });
});
