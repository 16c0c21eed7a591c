import { createMessage, DataError, MessageTooLargeError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { fromMessageView, MAX_BODY_BYTES, type ReceivedView, toRocketmqMessage } from './rocketmq-message.js';

/** What the broker hands back for what toRocketmqMessage produced. */
function roundTrip(options: ReturnType<typeof toRocketmqMessage>, messageId = 'RMQ-ID'): ReceivedView {
  return {
    messageId,
    body: options.body,
    keys: options.keys ?? [],
    properties: options.properties ?? new Map(),
    bornTimestamp: new Date(1_000),
  };
}

describe('toRocketmqMessage / fromMessageView', () => {
  it('keeps headers named __proto__ and constructor as real keys both ways', () => {
    const sent = toRocketmqMessage(
      't',
      undefined,
      createMessage({ body: 'b', headers: JSON.parse('{"__proto__":"p","constructor":"c"}') }),
    );
    const got = fromMessageView(roundTrip(sent));
    expect(Object.getOwnPropertyDescriptor(got.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(got.headers, 'constructor')?.value).toBe('c');
  });

  it('keeps id, key, headers, timestamp and body bytes', () => {
    const m = createMessage({ body: 'grüße', key: 'k 1', headers: { 'x-a': 'ünï ✓', b: '' }, timestamp: 42 });
    const sent = toRocketmqMessage('t', 'paid', m);
    expect(sent.tag).toBe('paid');
    expect(sent.keys).toEqual(['k 1']);
    const got = fromMessageView({ ...roundTrip(sent), keys: ['k', '1'] });
    expect(got).toEqual({
      id: m.id,
      body: m.body,
      headers: { 'x-a': 'ünï ✓', b: '' },
      timestamp: 42,
      key: 'k 1',
    });
    expect(Object.isFrozen(got)).toBe(true);
  });

  it('sends an empty body as one marked byte and delivers it empty', () => {
    const sent = toRocketmqMessage('t', undefined, createMessage({ body: new Uint8Array(0) }));
    expect(sent.body.byteLength).toBe(1);
    expect(fromMessageView(roundTrip(sent)).body.byteLength).toBe(0);
  });

  it('falls back to RocketMQ’s id and born time for a message from another client', () => {
    const got = fromMessageView({
      messageId: 'AC11',
      body: Buffer.from('x'),
      keys: [],
      properties: new Map([['color', 'red']]),
      bornTimestamp: new Date(1234),
    });
    expect(got).toEqual({
      id: 'AC11',
      body: new Uint8Array(Buffer.from('x')),
      headers: { color: 'red' },
      timestamp: 1234,
    });
    expect(got.key).toBeUndefined();
  });

  it('rejects a body over 4 MiB and headers with separator characters', () => {
    expect(() =>
      toRocketmqMessage('t', undefined, createMessage({ body: new Uint8Array(MAX_BODY_BYTES + 1) })),
    ).toThrow(MessageTooLargeError);
    expect(() =>
      toRocketmqMessage('t', undefined, createMessage({ body: 'x', headers: { a: 'b\u0002c' } })),
    ).toThrow(DataError);
  });

  it('does not let a header override the id or timestamp properties', () => {
    const m = createMessage({
      body: 'x',
      headers: { 'message-id': 'forged', 'polybus-timestamp': '1' },
      timestamp: 7,
    });
    const got = fromMessageView(roundTrip(toRocketmqMessage('t', undefined, m)));
    expect(got.id).toBe(m.id);
    expect(got.timestamp).toBe(7);
  });

  it('header policy: CR/LF refused on publish (named, value not shown); received CR/LF as base64, bad names dropped', () => {
    const send = (headers: Record<string, string>) => () =>
      toRocketmqMessage('t', undefined, createMessage({ body: 'x', headers }));
    expect(send({ 'x-evil': 'top\r\nsecret' })).toThrow(DataError);
    expect(send({ 'x-evil': 'top\r\nsecret' })).toThrow(/header "x-evil" contains CR, LF or NUL/);
    expect(send({ 'x-evil': 'top\r\nsecret' })).not.toThrow(/secret/);
    expect(send({ 'a\u0001b': 'v' })).toThrow(/header name "a\\u0001b"/);
    expect(send({ sep: 'b\u0002secret' })).not.toThrow(/secret/);
    const got = fromMessageView({
      messageId: 'AC12',
      body: Buffer.from('x'),
      keys: [],
      properties: new Map([
        ['crlf', 'a\r\nb'],
        ['ok', 'grüße'],
        ['bad\nname', 'v'],
      ]),
      bornTimestamp: new Date(1),
    });
    expect({ ...got.headers }).toEqual({
      crlf: `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      ok: 'grüße',
    });
  });
});
