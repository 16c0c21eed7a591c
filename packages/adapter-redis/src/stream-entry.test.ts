import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entryIdTime } from './stream-entry.js';

const asBuffers = (fields: Array<string | Buffer>): Buffer[] =>
  fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f));

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
