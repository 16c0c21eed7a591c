import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { fromMqttPacket, MqttPropertyNames, toMqttProperties } from './mqtt-headers.js';

describe('MQTT 5 header mapping', () => {
  it('keeps headers named __proto__ and constructor as real keys both ways', () => {
    const props = toMqttProperties(
      createMessage({ body: 'b', headers: JSON.parse('{"__proto__":"p","constructor":"c"}') }),
    );
    const back = fromMqttPacket(Buffer.from('b'), props, { now: 1 });
    expect(Object.getOwnPropertyDescriptor(back.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(back.headers, 'constructor')?.value).toBe('c');
  });

  const message = createMessage({
    id: 'id-1',
    body: 'x',
    key: 'k1',
    timestamp: 1_700_000_000_123,
    headers: {
      'content-type': 'application/json',
      'correlation-id': 'corr-ü',
      'reply-to': 'replies/a',
      expiration: '60000',
      'x-user': 'v ✓',
      'message-id': 'user-tries-to-override',
    },
  });

  it('maps canonical headers to native properties and the rest to user properties', () => {
    const props = toMqttProperties(message);
    expect(props.contentType).toBe('application/json');
    expect(Buffer.from(props.correlationData!).toString('utf8')).toBe('corr-ü');
    expect(props.responseTopic).toBe('replies/a');
    expect(props.messageExpiryInterval).toBe(60);
    expect(props.userProperties).toEqual({
      [MqttPropertyNames.messageId]: 'id-1',
      [MqttPropertyNames.key]: 'k1',
      [MqttPropertyNames.timestamp]: '1700000000123',
      'x-user': 'v ✓',
    });
  });

  it('round-trips id, key, timestamp and headers', () => {
    const props = toMqttProperties(message);
    const back = fromMqttPacket(Buffer.from('x'), props, { now: 1 });
    expect(back.id).toBe('id-1');
    expect(back.key).toBe('k1');
    expect(back.timestamp).toBe(1_700_000_000_123);
    expect(back.headers).toEqual({
      'content-type': 'application/json',
      'correlation-id': 'corr-ü',
      'reply-to': 'replies/a',
      expiration: '60000',
      'x-user': 'v ✓',
    });
  });

  it('rounds a sub-second expiration up to one second', () => {
    const m = createMessage({ body: '', headers: { expiration: '1' } });
    expect(toMqttProperties(m).messageExpiryInterval).toBe(1);
  });

  it('rejects an expiration that is not a positive integer', () => {
    const m = createMessage({ body: '', headers: { expiration: 'soon' } });
    expect(() => toMqttProperties(m)).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });

  it('gives a foreign message without properties a generated id and the receipt time', () => {
    const back = fromMqttPacket(Buffer.from([1, 2]), undefined, { now: 42 });
    expect(back.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(back.timestamp).toBe(42);
    expect(back.key).toBeUndefined();
    expect(back.headers).toEqual({});
  });

  it('keeps the last value of a repeated user property', () => {
    const back = fromMqttPacket(Buffer.alloc(0), { userProperties: { a: ['1', '2'] } }, { now: 0 });
    expect(back.headers).toEqual({ a: '2' });
  });
});

describe('mqtt header policy (docs/security.md)', () => {
  it('refuses CR/LF/NUL values and control characters in names, naming the header only', () => {
    const m = createMessage({ body: '', headers: { 'x-evil': 'pw\r\nInjected: 1' } });
    expect(() => toMqttProperties(m)).toThrow(
      expect.objectContaining({
        code: 'DATA_INVALID',
        retriable: false,
        message: expect.not.stringContaining('pw'),
      }),
    );
    expect(() => toMqttProperties(createMessage({ body: '', headers: { 'a\u0000': 'v' } }))).toThrow(
      /header name/,
    );
  });

  it('reads CR/LF values and binary correlation data as base64:, drops names with control characters', () => {
    const back = fromMqttPacket(
      Buffer.alloc(0),
      {
        userProperties: { crlf: 'a\r\nb', 'bad\nname': 'v', ok: 'ünï' },
        correlationData: Buffer.from([0xff, 0x01]),
      },
      { now: 0 },
    );
    expect(back.headers).toEqual({
      crlf: `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      ok: 'ünï',
      'correlation-id': 'base64:/wE=',
    });
  });
});
