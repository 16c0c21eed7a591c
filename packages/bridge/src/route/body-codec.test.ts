import { DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeJsonBody } from './body-codec.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeBody', () => {
  it('parses JSON when content-type says JSON, and fails as a data error when it is not', () => {
    expect(decodeBody({ body: enc('{"a":1}'), headers: { 'content-type': 'application/json' } })).toEqual({
      a: 1,
    });
    expect(
      decodeBody({ body: enc('[1]'), headers: { 'content-type': 'application/vnd.x+json; charset=utf-8' } }),
    ).toEqual([1]);
    expect(() => decodeBody({ body: enc('nope'), headers: { 'content-type': 'application/json' } })).toThrow(
      DataError,
    );
  });
  it('tries JSON without a content-type, else gives text', () => {
    expect(decodeBody({ body: enc('{"total": 5}'), headers: {} })).toEqual({ total: 5 });
    expect(decodeBody({ body: enc('42'), headers: {} })).toBe(42);
    expect(decodeBody({ body: enc('{broken'), headers: {} })).toBe('{broken');
    expect(decodeBody({ body: enc('hello'), headers: { 'content-type': 'text/plain' } })).toBe('hello');
  });
});

describe('encodeJsonBody', () => {
  it('encodes JSON and refuses values without a JSON form', () => {
    expect(new TextDecoder().decode(encodeJsonBody({ a: [1, 'x'] }))).toBe('{"a":[1,"x"]}');
    expect(() => encodeJsonBody(undefined)).toThrow(DataError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeJsonBody(cyclic)).toThrow(DataError);
  });
});
