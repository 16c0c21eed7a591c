import { createMessage } from '@polybus/core';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { fromKafkaRecord, toKafkaRecord } from './kafka-record.js';

function received(overrides: Partial<KafkaMessage>): KafkaMessage {
  return {
    key: null,
    value: Buffer.from('x'),
    timestamp: '1700000000000',
    attributes: 0,
    offset: '7',
    headers: {},
    ...overrides,
  } as KafkaMessage;
}

describe('kafka record mapping', () => {
  it('writes id, key, timestamp and headers', () => {
    const m = createMessage({
      id: 'id-1',
      body: 'hello',
      key: 'k',
      timestamp: 1_700_000_000_123,
      headers: { 'content-type': 'text/plain', 'x-user': 'ü' },
    });
    const r = toKafkaRecord(m);
    expect(r.key).toBe('k');
    expect(r.timestamp).toBe('1700000000123');
    expect(Buffer.from(r.value as Buffer).toString()).toBe('hello');
    expect(r.headers).toEqual({ 'message-id': 'id-1', 'content-type': 'text/plain', 'x-user': 'ü' });
    expect(toKafkaRecord(createMessage({ body: '' })).key).toBeNull();
  });

  it('round-trips through the Kafka shape', () => {
    const m = createMessage({
      id: 'id-2',
      body: new Uint8Array([0, 255, 7]),
      key: 'kk',
      headers: { a: 'b' },
    });
    const r = toKafkaRecord(m);
    const back = fromKafkaRecord(
      't',
      0,
      received({
        key: Buffer.from(r.key as string),
        value: r.value as Buffer,
        timestamp: r.timestamp as string,
        headers: Object.fromEntries(
          Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]),
        ),
      }),
    );
    expect(back.id).toBe('id-2');
    expect([...back.body]).toEqual([0, 255, 7]);
    expect(back.key).toBe('kk');
    expect(back.headers).toEqual({ a: 'b' });
    expect(back.timestamp).toBe(m.timestamp);
  });

  it('gives foreign records a positional id, decodes headers and handles null key and value', () => {
    const m = fromKafkaRecord(
      'orders',
      2,
      received({
        value: null,
        headers: { trace: Buffer.from('abc'), multi: [Buffer.from('1'), Buffer.from('2')] },
      }),
    );
    expect(m.id).toBe('orders-2-7');
    expect(m.body.byteLength).toBe(0);
    expect(m.key).toBeUndefined();
    expect('key' in m).toBe(false);
    expect(m.headers).toEqual({ trace: 'abc', multi: '2' });
    expect(m.timestamp).toBe(1_700_000_000_000);
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('gives records without user headers frozen empty headers (only message-id, or none)', () => {
    const withId = fromKafkaRecord('t', 0, received({ headers: { 'message-id': Buffer.from('m-1') } }));
    const bare = fromKafkaRecord('t', 0, received({ headers: {} }));
    expect(withId.id).toBe('m-1');
    for (const m of [withId, bare]) {
      expect(m.headers).toEqual({});
      expect(Object.isFrozen(m.headers)).toBe(true);
    }
    const withUser = fromKafkaRecord(
      't',
      0,
      received({ headers: { 'message-id': Buffer.from('m-2'), a: 'x' } }),
    );
    expect(withUser.headers).toEqual({ a: 'x' });
    expect(bare.headers, 'an empty result is not shared with one that has headers').not.toBe(
      withUser.headers,
    );
  });
});

describe('kafka header policy (docs/security.md)', () => {
  it('refuses CR/LF in a header value or a control character in a name, naming the header only', () => {
    const m = createMessage({ body: 'x', headers: { 'x-evil': 'a\r\nInjected: 1' } });
    expect(() => toKafkaRecord(m)).toThrow(
      expect.objectContaining({
        code: 'DATA_INVALID',
        retriable: false,
        message: expect.stringContaining('"x-evil"'),
      }),
    );
    expect(() => toKafkaRecord(createMessage({ body: 'x', headers: { 'a\nb': 'v' } }))).toThrow(
      /header name/,
    );
  });

  it('reads invalid UTF-8 and CR/LF values as base64:, drops names with control characters', () => {
    const m = fromKafkaRecord(
      't',
      0,
      received({
        headers: {
          bin: Buffer.from([0xff, 0x00, 0x41]),
          crlf: Buffer.from('a\r\nb'),
          text: Buffer.from('ünï'),
          'bad\nname': Buffer.from('v'),
        },
      }),
    );
    expect(m.headers).toEqual({
      bin: `base64:${Buffer.from([0xff, 0x00, 0x41]).toString('base64')}`,
      crlf: `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      text: 'ünï',
    });
  });
});
