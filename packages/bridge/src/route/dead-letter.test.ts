import { createMessage, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { deadLetterMessage } from './dead-letter.js';

describe('deadLetterMessage', () => {
  it('keeps id, body bytes, key, timestamp and headers, and adds the x-polybus-* headers', () => {
    const original = createMessage({
      id: 'm1',
      key: 'k',
      body: new Uint8Array([0, 255, 10]),
      headers: { a: 'b' },
      timestamp: 5,
    });
    const letter = deadLetterMessage(original, {
      route: 'r1',
      source: 'rabbit/queue=orders',
      attempts: 5,
      error: new DataError('bad\njson'),
    });
    expect(letter.id).toBe('m1');
    expect(letter.key).toBe('k');
    expect(letter.timestamp).toBe(5);
    expect(Array.from(letter.body)).toEqual([0, 255, 10]);
    expect(letter.headers).toEqual({
      a: 'b',
      'x-polybus-error': 'bad json',
      'x-polybus-route': 'r1',
      'x-polybus-source': 'rabbit/queue=orders',
      'x-polybus-attempts': '5',
    });
  });
  it('redacts credentials and bounds the error text', () => {
    const letter = deadLetterMessage(createMessage({ body: 'x' }), {
      route: 'r',
      source: 's',
      attempts: 1,
      error: new Error(`cannot reach amqp://user:secret@host ${'y'.repeat(5000)}`),
    });
    const error = letter.headers['x-polybus-error'] ?? '';
    expect(error).not.toContain('secret');
    expect(error.length).toBeLessThanOrEqual(1000);
  });
});
