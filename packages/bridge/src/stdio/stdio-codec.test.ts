import { createMessage, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeLine, encodeLine } from './stdio-codec.js';

describe('stdio codec', () => {
  it('text: a line is a body', () => {
    const m = decodeLine('hello', 'text');
    expect(new TextDecoder().decode(m.body)).toBe('hello');
    expect(encodeLine(m, 'text')).toBe('hello');
  });
  it('json: envelopes round-trip id, key, headers, timestamp and body', () => {
    const m = createMessage({ id: 'i', key: 'k', headers: { h: 'v' }, body: 'b', timestamp: 3 });
    const line = encodeLine(m, 'json');
    expect(JSON.parse(line)).toEqual({ id: 'i', key: 'k', headers: { h: 'v' }, timestamp: 3, body: 'b' });
    expect(decodeLine(line, 'json')).toEqual(m);
  });
  it('json: bytes that are not UTF-8 travel as base64', () => {
    const m = createMessage({ id: 'i', body: new Uint8Array([0xff, 0x00]), timestamp: 1 });
    const line = encodeLine(m, 'json');
    expect(JSON.parse(line).bodyBase64).toBe('/wA=');
    expect(Array.from(decodeLine(line, 'json').body)).toEqual([0xff, 0x00]);
  });
  it('json: a line that is not an envelope is a data error', () => {
    expect(() => decodeLine('not json', 'json')).toThrow(DataError);
  });
});
