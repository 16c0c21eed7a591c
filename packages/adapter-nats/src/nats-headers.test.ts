import { createMessage, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { fromNatsHeaders, NatsHeaderNames, toNatsHeaders } from './nats-headers.js';

const asEntries = (pairs: ReadonlyArray<readonly [string, string]>): Array<[string, string[]]> => {
  const map = new Map<string, string[]>();
  for (const [k, v] of pairs) map.set(k, [...(map.get(k) ?? []), v]);
  return [...map];
};

describe('toNatsHeaders', () => {
  it('writes id, key and timestamp first, then the headers untouched', () => {
    const m = createMessage({
      id: 'id-1',
      body: 'x',
      key: 'k1',
      timestamp: 1700000000123,
      headers: { 'content-type': 'application/json', 'x-empty': '', 'x-note': 'ünï ✓' },
    });
    expect(toNatsHeaders(m, { core: false })).toEqual({
      headers: [
        ['Nats-Msg-Id', 'id-1'],
        ['x-polybus-key', 'k1'],
        ['x-polybus-timestamp', '1700000000123'],
        ['content-type', 'application/json'],
        ['x-empty', ''],
        ['x-note', 'ünï ✓'],
      ],
    });
  });

  it('leaves out the key when there is none', () => {
    const m = createMessage({ id: 'a', body: '', timestamp: 5 });
    expect(toNatsHeaders(m, { core: false }).headers.map(([k]) => k)).toEqual([
      'Nats-Msg-Id',
      'x-polybus-timestamp',
    ]);
  });

  it('lets the envelope win over user headers with a reserved name', () => {
    const m = createMessage({
      id: 'real',
      body: '',
      timestamp: 1,
      headers: { 'nats-msg-id': 'fake', 'X-Polybus-Key': 'k' },
    });
    expect(toNatsHeaders(m, { core: false }).headers).toEqual([
      ['Nats-Msg-Id', 'real'],
      ['x-polybus-timestamp', '1'],
    ]);
  });

  it('sends reply-to as the native reply subject on core NATS only', () => {
    const m = createMessage({ id: 'r', body: '', timestamp: 1, headers: { 'reply-to': '_INBOX.x' } });
    const core = toNatsHeaders(m, { core: true });
    expect(core.reply).toBe('_INBOX.x');
    expect(core.headers.some(([k]) => k === 'reply-to')).toBe(false);
    const js = toNatsHeaders(m, { core: false });
    expect(js.reply).toBeUndefined();
    expect(js.headers).toContainEqual(['reply-to', '_INBOX.x']);
  });

  it('rejects what NATS headers cannot carry with a DataError', () => {
    expect(() =>
      toNatsHeaders(createMessage({ body: '', headers: { 'a b': 'x' } }), { core: false }),
    ).toThrow(DataError);
    expect(() =>
      toNatsHeaders(createMessage({ body: '', headers: { 'a:b': 'x' } }), { core: false }),
    ).toThrow(DataError);
    expect(() =>
      toNatsHeaders(createMessage({ body: '', headers: { a: 'x\r\ny: z' } }), { core: false }),
    ).toThrow(DataError);
    expect(() => toNatsHeaders(createMessage({ body: '', key: 'a\nb' }), { core: false })).toThrow(DataError);
  });

  it('applies the header policy of every adapter: NUL refused, the value never in the message', () => {
    expect(() =>
      toNatsHeaders(createMessage({ body: '', headers: { token: 's3cret\u0000x' } }), { core: false }),
    ).toThrow('nats: the value of header "token" contains CR, LF or NUL or is not valid Unicode');
  });
});

describe('fromNatsHeaders', () => {
  it('keeps headers named __proto__ and constructor as real keys both ways', () => {
    const m = createMessage({ body: 'x', headers: JSON.parse('{"__proto__":"p","constructor":"c"}') });
    const back = fromNatsHeaders(asEntries(toNatsHeaders(m, { core: false }).headers), fallback);
    expect(Object.getOwnPropertyDescriptor(back.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(back.headers, 'constructor')?.value).toBe('c');
  });

  const fallback = { id: () => 'fallback-id', timestamp: 42 };

  it('applies the header policy to what arrives: NUL/CR/LF values as base64:, bad names dropped', () => {
    const got = fromNatsHeaders(
      [
        ['x-nul', ['a\u0000b']],
        ['x-ok', ['ünï']],
        ['bad\u0001name', ['v']],
      ],
      fallback,
    );
    expect(got.headers).toEqual({
      'x-nul': `base64:${Buffer.from('a\u0000b').toString('base64')}`,
      'x-ok': 'ünï',
    });
  });

  it('round-trips what toNatsHeaders wrote', () => {
    const m = createMessage({
      body: 'x',
      key: 'k',
      timestamp: 1700000000999,
      headers: { 'correlation-id': 'c-1', 'content-encoding': 'gzip', 'x-empty': '', 'X-Mixed-Case': 'v' },
    });
    const back = fromNatsHeaders(asEntries(toNatsHeaders(m, { core: false }).headers), fallback);
    expect(back).toEqual({ id: m.id, key: 'k', timestamp: 1700000000999, headers: m.headers });
  });

  it('falls back to the receiver-supplied id and timestamp', () => {
    expect(fromNatsHeaders([['x-a', ['1']]], fallback)).toEqual({
      id: 'fallback-id',
      timestamp: 42,
      headers: { 'x-a': '1' },
    });
    expect(fromNatsHeaders([[NatsHeaderNames.timestamp, ['not-a-number']]], fallback).timestamp).toBe(42);
    expect(fromNatsHeaders([[NatsHeaderNames.msgId, ['']]], fallback).id).toBe('fallback-id');
  });

  it('matches reserved names case-insensitively and keeps the first of repeated values', () => {
    const back = fromNatsHeaders(
      [
        ['nats-msg-id', ['m-1', 'm-2']],
        ['X-POLYBUS-KEY', ['key']],
        ['x-multi', ['first', 'second']],
      ],
      fallback,
    );
    expect(back).toEqual({ id: 'm-1', key: 'key', timestamp: 42, headers: { 'x-multi': 'first' } });
  });

  it('exposes a core reply subject as the reply-to header', () => {
    expect(fromNatsHeaders([], { ...fallback, reply: '_INBOX.abc' }).headers).toEqual({
      'reply-to': '_INBOX.abc',
    });
    expect(
      fromNatsHeaders([['reply-to', ['explicit']]], { ...fallback, reply: '_INBOX.abc' }).headers,
    ).toEqual({
      'reply-to': 'explicit',
    });
  });
});
