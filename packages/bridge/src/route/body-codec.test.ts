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
  it('sniffs JSON after leading JSON whitespace, and keeps text that only looks like JSON', () => {
    expect(decodeBody({ body: enc(' \r\n\t[1, 2]'), headers: {} })).toEqual([1, 2]);
    expect(decodeBody({ body: enc('\ufeff{"bom": true}'), headers: {} })).toEqual({ bom: true });
    expect(decodeBody({ body: enc('-3'), headers: {} })).toBe(-3);
    expect(decodeBody({ body: enc('"s"'), headers: {} })).toBe('s');
    expect(decodeBody({ body: enc('  true'), headers: {} })).toBe(true);
    expect(decodeBody({ body: enc('null'), headers: {} })).toBe(null);
    expect(decodeBody({ body: enc('nullable'), headers: {} })).toBe('nullable');
    expect(decodeBody({ body: enc('\u00a0{"nbsp": 1}'), headers: {} })).toBe('\u00a0{"nbsp": 1}');
    expect(decodeBody({ body: enc(''), headers: {} })).toBe('');
  });
  it('reads each message by its own content-type when they alternate', () => {
    const json = { 'content-type': 'Application/JSON' };
    const plain = { 'content-type': 'text/plain' };
    expect(decodeBody({ body: enc('{"a":1}'), headers: json })).toEqual({ a: 1 });
    expect(decodeBody({ body: enc('{"a":1}'), headers: plain })).toEqual({ a: 1 });
    expect(() => decodeBody({ body: enc('{x'), headers: json })).toThrow(DataError);
    expect(decodeBody({ body: enc('{x'), headers: plain })).toBe('{x');
    expect(() => decodeBody({ body: enc('{x'), headers: json })).toThrow(/content-type is application\/json/);
  });
});

describe('encodeJsonBody', () => {
  it('encodes JSON and refuses values without a JSON form', () => {
    expect(new TextDecoder().decode(encodeJsonBody({ a: [1, 'x'] }))).toBe('{"a":[1,"x"]}');
    expect(new TextDecoder().decode(encodeJsonBody({ t: 'grüße ✓ 🚀' }))).toBe('{"t":"grüße ✓ 🚀"}');
    expect(() => encodeJsonBody(undefined)).toThrow(DataError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeJsonBody(cyclic)).toThrow(DataError);
  });
});
