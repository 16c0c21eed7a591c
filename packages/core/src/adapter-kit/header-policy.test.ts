import { describe, expect, it } from 'vitest';
import {
  checkOutgoingHeader,
  checkOutgoingHeaders,
  headerNameFromBytes,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
  isValidHeaderValue,
} from './header-policy.js';

describe('header policy', () => {
  it('accepts plain and non-ASCII text, refuses control characters in names and CR/LF/NUL in values', () => {
    expect(isValidHeaderName('x-note')).toBe(true);
    expect(isValidHeaderName('ünï ✓ 😀')).toBe(true);
    for (const bad of ['', 'a\nb', 'a\rb', 'a\0b', 'tab\there', 'del\u007f', 'lone\uD800'])
      expect(isValidHeaderName(bad), JSON.stringify(bad)).toBe(false);
    expect(isValidHeaderValue('tab\tis fine, ünï 😀')).toBe(true);
    for (const bad of ['a\nb', 'a\r', '\0', 'x\uDC00'])
      expect(isValidHeaderValue(bad), JSON.stringify(bad)).toBe(false);
  });

  it('refuses a publish with a typed, non-retriable error naming the header but not the value', () => {
    const secret = 'Bearer s3cret\r\nX-Injected: 1';
    let error: unknown;
    try {
      checkOutgoingHeaders('kafka', { ok: 'fine', authorization: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DATA_INVALID', retriable: false });
    expect((error as Error).message).toBe(
      'kafka: the value of header "authorization" contains CR, LF or NUL or is not valid Unicode',
    );
    expect(() => checkOutgoingHeader('nats', 'evil\r\nname', 'v')).toThrow(
      'nats: header name "evil\\r\\nname" is empty, has control characters or is not valid Unicode',
    );
    expect(() => checkOutgoingHeaders('redis', { a: 'b', ünï: '✓' })).not.toThrow();
  });

  it('reads received bytes as text when valid UTF-8 without CR/LF/NUL, else as base64:', () => {
    expect(headerTextFromBytes(Buffer.from('ünï ✓', 'utf8'))).toBe('ünï ✓');
    expect(headerTextFromBytes(new Uint8Array([0xff, 0xfe, 0x41]))).toBe('base64://5B');
    expect(headerTextFromBytes(Buffer.from('a\r\nb'))).toBe(
      `base64:${Buffer.from('a\r\nb').toString('base64')}`,
    );
    expect(headerTextFromBytes(new Uint8Array([0x61, 0x00]))).toBe('base64:YQA=');
    const inner = new Uint8Array([0x00, 0x68, 0x69, 0x00]).subarray(1, 3); // a view: offset respected
    expect(headerTextFromBytes(inner)).toBe('hi');
    expect(headerTextFromBytes(new Uint8Array(0))).toBe('');
  });

  it('encodes received strings with CR/LF/NUL as base64: of their UTF-8, and keeps others', () => {
    expect(headerTextFromString('plain ünï')).toBe('plain ünï');
    expect(headerTextFromString('a\nb')).toBe('base64:YQpi');
    expect(Buffer.from(headerTextFromString('x\r\ny').slice('base64:'.length), 'base64').toString()).toBe(
      'x\r\ny',
    );
  });

  it('drops received names that are not valid UTF-8 or have control characters', () => {
    expect(headerNameFromBytes(Buffer.from('x-ok'))).toBe('x-ok');
    expect(headerNameFromBytes(new Uint8Array([0xc3]))).toBeUndefined();
    expect(headerNameFromBytes(Buffer.from('a\nb'))).toBeUndefined();
    expect(headerNameFromBytes(new Uint8Array(0))).toBeUndefined();
  });
});
