import { createMessage } from '@polybus/core';
import { headerTextFromBytes, isValidHeaderName } from '@polybus/core/adapter-kit';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entryIdTime } from './stream-entry.js';

const asBuffers = (fields: Array<string | Buffer>): Buffer[] =>
  fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f));

describe('fields named like Object.prototype members (issue 14)', () => {
  it('keeps __proto__ and constructor as real header keys and body fields', () => {
    const withBody = decodeEntry(
      '1-0',
      asBuffers(['body', 'b', 'h:__proto__', 'p', 'constructor', 'c', 'h:toString', 't']),
    );
    expect(Object.keys(withBody.headers).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(withBody.headers, '__proto__')?.value).toBe('p');
    expect(withBody.headers.constructor).toBe('c');
    const fieldsOnly = decodeEntry('1-0', asBuffers(['__proto__', 'x', 'constructor', 'y', 'a', 'z']));
    expect(JSON.parse(Buffer.from(fieldsOnly.body).toString('utf8'))).toEqual(
      JSON.parse('{"__proto__":"x","constructor":"y","a":"z"}'),
    );
    expect(Buffer.from(fieldsOnly.body).toString('utf8')).toBe('{"__proto__":"x","constructor":"y","a":"z"}');
  });
  it('round-trips a __proto__ header through encodeEntry', () => {
    const sent = createMessage({ body: 'b', headers: JSON.parse('{"__proto__":"v","constructor":"w"}') });
    expect(Object.keys(sent.headers).sort()).toEqual(['__proto__', 'constructor']);
    const got = decodeEntry('1-0', asBuffers(encodeEntry(sent)));
    expect(Object.keys(got.headers).sort()).toEqual(['__proto__', 'constructor']);
  });
});

describe('encodeEntry / decodeEntry', () => {
  it('round-trips id, binary body, key, timestamp and headers byte-exact', () => {
    const body = new Uint8Array(256).map((_, i) => i);
    const sent = createMessage({
      body,
      key: 'k-1',
      timestamp: 1_700_000_000_123,
      headers: { 'content-type': 'application/octet-stream', 'x-note': 'ünï ✓', 'correlation-id': 'c-9' },
    });
    const fields = encodeEntry(sent);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual([
      'body',
      'id',
      'key',
      'ts',
      'h:content-type',
      'h:x-note',
      'h:correlation-id',
    ]);
    const got = decodeEntry('1700000000999-0', asBuffers(fields));
    expect(got.id).toBe(sent.id);
    expect(Buffer.from(got.body).equals(Buffer.from(body))).toBe(true);
    expect(got.key).toBe('k-1');
    expect(got.timestamp).toBe(1_700_000_000_123);
    expect(got.headers).toEqual(sent.headers);
  });

  it('omits the key field when there is no key and keeps an empty body', () => {
    const sent = createMessage({ body: new Uint8Array(0) });
    const fields = encodeEntry(sent);
    expect(fields).not.toContain('key');
    const got = decodeEntry('1-0', asBuffers(fields));
    expect(got.body.byteLength).toBe(0);
    expect('key' in got).toBe(false);
  });

  it('turns a foreign entry without a body field into a JSON body with the entry id as message id', () => {
    const got = decodeEntry('1700000000500-3', asBuffers(['temp', '21', 'city', 'Oslo']));
    expect(got.id).toBe('1700000000500-3');
    expect(JSON.parse(Buffer.from(got.body).toString())).toEqual({ temp: '21', city: 'Oslo' });
    expect(got.headers).toEqual({ 'content-type': 'application/json' });
    expect(got.timestamp).toBe(1_700_000_000_500);
  });

  it('uses a foreign id and key field when present, and keeps unknown fields beside a body as headers', () => {
    const got = decodeEntry(
      '1700000000500-0',
      asBuffers(['body', 'hello', 'id', 'ext-1', 'key', 'k', 'source', 'legacy', 'h:source', 'new']),
    );
    expect(got.id).toBe('ext-1');
    expect(got.key).toBe('k');
    expect(Buffer.from(got.body).toString()).toBe('hello');
    expect(got.headers).toEqual({ source: 'new' });
    expect(got.timestamp).toBe(1_700_000_000_500);
  });

  it('falls back to the entry id time on a non-numeric ts field', () => {
    expect(decodeEntry('42-0', asBuffers(['body', 'x', 'ts', 'soon'])).timestamp).toBe(42);
    expect(entryIdTime('nope', 7)).toBe(7);
  });
});

/** decodeEntry as it was before it stopped building a Map per entry: the reference for the one now. */
function referenceDecode(entryId: string, raw: readonly Buffer[], now: number): unknown {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!.toString('utf8'), raw[i + 1]!);
  const text = (name: string): string | undefined => fields.get(name)?.toString('utf8');
  const id = text('id') || entryId;
  const key = text('key');
  const body = fields.get('body');
  const shape = (m: { id: string; body: Uint8Array; headers: Record<string, string>; timestamp: number }) =>
    key === undefined ? m : { id: m.id, body: m.body, headers: m.headers, key, timestamp: m.timestamp };
  if (body === undefined) {
    const object: Record<string, string> = {};
    for (const [name, value] of fields) object[name] = value.toString('utf8');
    return shape({
      id,
      body: new TextEncoder().encode(JSON.stringify(object)),
      headers: { 'content-type': 'application/json' },
      timestamp: entryIdTime(entryId, now),
    });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name === 'body' || name === 'id' || name === 'key' || name === 'ts') continue;
    // the header policy: names with control characters (or empty) dropped, values as text or base64:
    if (name.startsWith('h:') && isValidHeaderName(name.slice(2)))
      headers[name.slice(2)] = headerTextFromBytes(value);
  }
  for (const [name, value] of fields) {
    if (name === 'body' || name === 'id' || name === 'key' || name === 'ts') continue;
    if (!name.startsWith('h:') && !(name in headers) && isValidHeaderName(name))
      headers[name] = headerTextFromBytes(value);
  }
  const ts = Number(text('ts'));
  return shape({
    id,
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    headers,
    timestamp: text('ts') !== undefined && Number.isFinite(ts) ? ts : entryIdTime(entryId, now),
  });
}

describe('decodeEntry against the reference', () => {
  const cases: Array<Array<string | Buffer>> = [
    [],
    ['body'],
    ['body', ''],
    ['body', 'x', 'dangling'],
    ['body', Buffer.from([0, 255, 1])],
    ['body', 'a', 'body', 'b'],
    ['id', '', 'body', 'x'],
    ['id', 'first', 'id', 'second', 'body', 'x'],
    ['key', '', 'body', 'x'],
    ['key', 'k1', 'body', 'x', 'key', 'k2'],
    ['ts', '', 'body', 'x'],
    ['ts', '12.5', 'body', 'x'],
    ['ts', '1e3', 'body', 'x'],
    ['ts', 'Infinity', 'body', 'x'],
    ['ts', '5', 'body', 'x', 'ts', 'later'],
    ['body', 'x', 'h:a', '1', 'a', '2'],
    ['body', 'x', 'a', '2', 'h:a', '1'],
    ['body', 'x', 'a', '1', 'b', '2', 'a', '3'],
    ['body', 'x', 'h:a', '1', 'h:a', '2', 'a', '3'],
    ['body', 'x', 'h:', 'empty-name', 'h:h:x', 'nested'],
    ['body', 'x', 'h:crlf', 'a\r\nb', 'h:bin', Buffer.from([0xff, 0x41]), 'h:bad\nname', 'v', 'plain', 'ünï'],
    ['body', 'x', 'h:body', 'as-header', 'h:id', 'i', 'h:ts', 't', 'h:key', 'k'],
    ['body', 'x', '10', 'ten', '2', 'two', 'z', 'zed'],
    ['body', 'x', 'ünï', '✓', 'h:ünï', 'ok'],
    ['temp', '21', 'city', 'Oslo'],
    ['temp', '21', 'temp', '22', 'id', 'ext', 'key', 'k', 'ts', '99'],
    ['20', 'b', '3', 'a'],
    Array.from({ length: 20 }, (_, i) => [`f${i % 18}`, `v${i}`]).flat(),
    ['body', 'x', ...Array.from({ length: 20 }, (_, i) => [`h:f${i % 17}`, `v${i}`]).flat()],
  ];
  for (const [n, fields] of cases.entries()) {
    for (const entryId of ['1700000000500-3', 'not-an-id']) {
      it(`case ${n}, entry id ${entryId}`, () => {
        const raw = asBuffers(fields);
        const got = decodeEntry(entryId, raw, 77);
        const want = referenceDecode(entryId, raw, 77) as typeof got;
        expect(got).toEqual(want);
        expect(Object.keys(got)).toEqual(Object.keys(want));
        expect(Object.keys(got.headers)).toEqual(Object.keys(want.headers));
        expect(Buffer.from(got.body).equals(Buffer.from(want.body))).toBe(true);
        expect(Object.isFrozen(got) && Object.isFrozen(got.headers)).toBe(true);
      });
    }
  }
});
