import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import {
  fromAmqpMessage,
  headerValueToString,
  KEY_HEADER,
  TIMESTAMP_MS_HEADER,
  toAmqpProperties,
} from './header-mapping.js';

const body = new Uint8Array([1, 2, 3]);

describe('toAmqpProperties', () => {
  it('maps canonical headers to properties and keeps user headers in the table', () => {
    const m = createMessage({
      id: 'id-1',
      body,
      key: 'order-7',
      timestamp: 1_700_000_000_123,
      headers: {
        'message-id': 'ignored',
        timestamp: '1',
        'correlation-id': 'corr',
        'reply-to': 'replies',
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        expiration: '60000',
        priority: '5',
        'x-user': 'ü ✓',
      },
    });
    expect(toAmqpProperties(m)).toEqual({
      messageId: 'id-1',
      timestamp: 1_700_000_000,
      persistent: true,
      correlationId: 'corr',
      replyTo: 'replies',
      contentType: 'application/json',
      contentEncoding: 'gzip',
      expiration: '60000',
      priority: 5,
      headers: { 'x-user': 'ü ✓', [TIMESTAMP_MS_HEADER]: '1700000000123', [KEY_HEADER]: 'order-7' },
    });
  });

  it('omits the key header without a key', () => {
    const props = toAmqpProperties(createMessage({ id: 'a', body, timestamp: 5 }));
    expect(props.headers).toEqual({ [TIMESTAMP_MS_HEADER]: '5' });
    expect(props.timestamp).toBe(0);
  });

  it('leaves out the ms header for a whole-second timestamp, and the table when nothing is left for it', () => {
    const bare = toAmqpProperties(createMessage({ id: 'a', body, timestamp: 1_700_000_000_000 }));
    expect(bare).toEqual({ messageId: 'a', timestamp: 1_700_000_000, persistent: true });
    expect('headers' in bare).toBe(false);
    const keyed = toAmqpProperties(createMessage({ id: 'a', body, key: 'k', timestamp: 0 }));
    expect(keyed.headers).toEqual({ [KEY_HEADER]: 'k' });
    const propertiesOnly = toAmqpProperties(
      createMessage({ id: 'a', body, timestamp: 2000, headers: { 'content-type': 'text/plain' } }),
    );
    expect(propertiesOnly.headers).toBeUndefined();
    expect(propertiesOnly.contentType).toBe('text/plain');
  });

  it('rejects a priority or expiration the broker cannot take with a DataError', () => {
    for (const priority of ['high', '256', '-1', '1.5']) {
      expect(() => toAmqpProperties(createMessage({ body, headers: { priority } }))).toThrow(
        expect.objectContaining({ code: 'DATA_INVALID' }),
      );
    }
    expect(() => toAmqpProperties(createMessage({ body, headers: { expiration: '10s' } }))).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID' }),
    );
  });
});

describe('fromAmqpMessage', () => {
  it('keeps headers named __proto__ and constructor as real keys both ways', () => {
    const body = Buffer.from('b');
    const sent = createMessage({ body, headers: JSON.parse('{"__proto__":"p","constructor":"c"}') });
    const back = fromAmqpMessage({ exchange: '', routingKey: 'q' }, toAmqpProperties(sent), body);
    expect(Object.getOwnPropertyDescriptor(back.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(back.headers, 'constructor')?.value).toBe('c');
  });

  it('round-trips what toAmqpProperties wrote: id, key, ms timestamp, canonical and user headers', () => {
    const sent = createMessage({
      id: 'rt-1',
      body,
      key: 'k',
      timestamp: 1_700_000_000_999,
      headers: { 'correlation-id': 'c', priority: '3', 'x-a': 'b' },
    });
    const props = toAmqpProperties(sent);
    const got = fromAmqpMessage({ exchange: 'ex', routingKey: 'k' }, props, body);
    expect(got.id).toBe('rt-1');
    expect(got.key).toBe('k');
    expect(got.timestamp).toBe(1_700_000_000_999);
    expect(got.body).toBe(body);
    expect(got.headers).toEqual({
      'message-id': 'rt-1',
      'correlation-id': 'c',
      priority: '3',
      'x-a': 'b',
      timestamp: '1700000000999',
    });
  });

  it('round-trips a whole-second timestamp (and negative ones) without the ms header', () => {
    for (const timestamp of [1_700_000_000_000, 0, -5000, -1500, 1_700_000_000_001]) {
      const sent = createMessage({ id: 'ws', body, timestamp, headers: { 'x-a': 'b' } });
      const got = fromAmqpMessage({ exchange: '', routingKey: 'q' }, toAmqpProperties(sent), body);
      expect(got.timestamp, String(timestamp)).toBe(timestamp);
      expect(got.headers).toEqual({ 'message-id': 'ws', 'x-a': 'b', timestamp: String(timestamp) });
    }
    const none = fromAmqpMessage(
      { exchange: '', routingKey: 'q' },
      toAmqpProperties(createMessage({ id: 'n', body, timestamp: 3000 })),
      body,
    );
    expect(none.timestamp).toBe(3000);
    expect(none.headers).toEqual({ 'message-id': 'n', timestamp: '3000' });
  });

  it('maps a foreign message: seconds timestamp, routing key as key, non-string headers as strings', () => {
    const got = fromAmqpMessage(
      { exchange: 'orders', routingKey: 'order.created' },
      {
        messageId: 'm-9',
        timestamp: 1_600_000_000,
        contentType: 'text/plain',
        headers: {
          n: 42,
          f: 1.5,
          t: true,
          b: Buffer.from('bytes'),
          nil: null,
          d: new Date(1000),
          arr: [1, 'x'],
          'x-delivery-count': 3,
        },
      },
      body,
    );
    expect(got.id).toBe('m-9');
    expect(got.key).toBe('order.created');
    expect(got.timestamp).toBe(1_600_000_000_000);
    expect(got.headers).toEqual({
      'message-id': 'm-9',
      'content-type': 'text/plain',
      timestamp: '1600000000000',
      n: '42',
      f: '1.5',
      t: 'true',
      b: 'bytes',
      nil: '',
      d: '1000',
      arr: '[1,"x"]',
    });
  });

  it('does not take the routing key of the default exchange (a queue name) as the key', () => {
    const got = fromAmqpMessage({ exchange: '', routingKey: 'some-queue' }, {}, body, 77, () => 'generated');
    expect(got.key).toBeUndefined();
    expect(got.id).toBe('generated');
    expect(got.timestamp).toBe(77);
    expect(got.headers).toEqual({});
  });

  it('ignores an ms timestamp header that contradicts the timestamp property', () => {
    const got = fromAmqpMessage(
      { exchange: 'x', routingKey: '' },
      { messageId: 'a', timestamp: 10, headers: { [TIMESTAMP_MS_HEADER]: '99999' } },
      body,
    );
    expect(got.timestamp).toBe(10_000);
    expect(got.key).toBeUndefined();
  });
});

describe('headerValueToString', () => {
  it('converts AMQP table values', () => {
    expect(headerValueToString('s')).toBe('s');
    expect(headerValueToString(undefined)).toBe('');
    expect(headerValueToString(10n)).toBe('10');
    expect(headerValueToString(new Uint8Array([104, 105]))).toBe('hi');
    expect(headerValueToString({ a: Buffer.from('z') })).toBe('{"a":"z"}');
    // Invalid UTF-8 is never turned into U+FFFD: it is base64 with a marker.
    expect(headerValueToString(Buffer.from([0xff, 0x00, 0xc3]))).toBe('base64:/wDD');
    expect(headerValueToString(new Uint8Array([0xe2, 0x9c, 0x93]))).toBe('✓');
    expect(headerValueToString({ a: Buffer.from([0xff]) })).toBe('{"a":"base64:/w=="}');
  });
});

describe('amqp header policy (docs/security.md)', () => {
  it('refuses CR/LF/NUL values and control characters in names on publish, naming the header only', () => {
    const m = createMessage({ body: '', headers: { 'x-evil': 'pw\r\nInjected: 1' } });
    expect(() => toAmqpProperties(m)).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID', message: expect.not.stringContaining('pw') }),
    );
  });

  it('reads CR/LF strings and bytes as base64:, drops names with control characters', () => {
    expect(headerValueToString('a\r\nb')).toBe(`base64:${Buffer.from('a\r\nb').toString('base64')}`);
    expect(headerValueToString(Buffer.from('a\nb'))).toBe('base64:YQpi');
    const m = fromAmqpMessage(
      { exchange: '', routingKey: 'q' },
      { headers: { 'bad\nname': 'v', ok: 'ünï' } },
      new Uint8Array(0),
      1,
      () => 'id',
    );
    expect(m.headers).toEqual({ ok: 'ünï' });
  });
});
