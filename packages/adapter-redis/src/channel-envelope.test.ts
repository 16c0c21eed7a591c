import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './channel-envelope.js';
import { decodeEntry, encodeEntry } from './stream-entry.js';

describe('channel envelope', () => {
  it('round-trips id, key, timestamp, headers and binary body (including newlines)', () => {
    const body = new Uint8Array(256).map((_, i) => i);
    const sent = createMessage({ body, key: 'k', timestamp: 123, headers: { 'x-a': 'ü "b"\t' } });
    const payload = encodeEnvelope(sent);
    expect(payload.subarray(0, 4).toString('latin1')).toBe('PB1\n');
    const got = decodeEnvelope(payload);
    expect(got.id).toBe(sent.id);
    expect(got.key).toBe('k');
    expect(got.timestamp).toBe(123);
    expect(got.headers).toEqual({ 'x-a': 'ü "b"\t' });
    expect(Buffer.from(got.body).equals(Buffer.from(body))).toBe(true);
  });

  it('keeps an empty body and no key', () => {
    const got = decodeEnvelope(encodeEnvelope(createMessage({ body: '' })));
    expect(got.body.byteLength).toBe(0);
    expect('key' in got).toBe(false);
  });

  it.each([
    ['plain text'],
    ['PB1\nnot json\nbody'],
    ['PB1\n{"id":5,"ts":1,"headers":{}}\nx'],
    ['PB1\n{"id":"a"'],
  ])('treats the foreign payload %j as a raw body', (text) => {
    const got = decodeEnvelope(Buffer.from(text), 77);
    expect(Buffer.from(got.body).toString()).toBe(text);
    expect(got.headers).toEqual({});
    expect(got.timestamp).toBe(77);
    expect(got.id.length).toBeGreaterThan(0);
  });
});

describe('redis header policy (docs/security.md)', () => {
  it('refuses CR/LF/NUL values and control characters in names on publish, streams and channels', () => {
    for (const headers of [{ 'x-evil': 'a\r\nb' }, { 'x-nul': 'a\u0000' }, { 'bad\nname': 'v' }]) {
      const m = createMessage({ body: 'x', headers });
      for (const encode of [encodeEnvelope, encodeEntry])
        expect(() => encode(m)).toThrow(expect.objectContaining({ code: 'DATA_INVALID', retriable: false }));
    }
  });

  it('reads a foreign envelope header with CR/LF as base64: and drops a bad name', () => {
    const meta = { id: 'a', ts: 1, headers: { 'x-crlf': 'a\r\nb', 'bad\u0001': 'v', ok: 'ünï' } };
    const got = decodeEnvelope(Buffer.from(`PB1\n${JSON.stringify(meta)}\nbody`));
    expect(got.headers).toEqual({
      'x-crlf': `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      ok: 'ünï',
    });
  });

  it('reads stream header values that are not valid UTF-8 or carry CR/LF as base64:', () => {
    const raw = ['body', 'x', 'h:bin', Buffer.from([0xc3, 0x28]), 'h:crlf', 'a\nb', 'h:ok', 'ü'].map((f) =>
      typeof f === 'string' ? Buffer.from(f) : f,
    );
    expect(decodeEntry('1-0', raw).headers).toEqual({ bin: 'base64:wyg=', crlf: 'base64:YQpi', ok: 'ü' });
  });
});
