import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './channel-envelope.js';

describe('channel envelope', () => {
  it('round-trips id, key, timestamp, headers and binary body (including newlines)', () => {
    const body = new Uint8Array(256).map((_, i) => i);
    const sent = createMessage({ body, key: 'k', timestamp: 123, headers: { 'x-a': 'ü\n"b"' } });
    const payload = encodeEnvelope(sent);
    expect(payload.subarray(0, 4).toString('latin1')).toBe('PB1\n');
    const got = decodeEnvelope(payload);
    expect(got.id).toBe(sent.id);
    expect(got.key).toBe('k');
    expect(got.timestamp).toBe(123);
    expect(got.headers).toEqual({ 'x-a': 'ü\n"b"' });
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
