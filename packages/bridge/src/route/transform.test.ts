import { createMessage, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { expressionContext } from './expressions.js';
import { compileTransform } from './transform.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('compileTransform', () => {
  const message = createMessage({
    id: 'm1',
    key: 'k0',
    headers: { keep: 'me', drop: 'x' },
    body: '{"id": 7, "total": 12.5, "customer": "c9"}',
    timestamp: 99,
  });

  it('rebuilds body as JSON, sets headers and key, keeps id and timestamp', async () => {
    const t = compileTransform({
      body: '{ "orderId": body.id, "total": body.total }',
      headers: { 'x-origin': '"rabbit"', drop: 'undefined', n: '1 + 1' },
      key: 'body.customer',
    });
    const out = await t.apply(message, expressionContext(message, t.needsBody));
    expect(text(out.body)).toBe('{"orderId":7,"total":12.5}');
    expect(out.headers).toEqual({
      keep: 'me',
      'x-origin': 'rabbit',
      n: '2',
      'content-type': 'application/json',
    });
    expect(out.key).toBe('c9');
    expect(out.id).toBe('m1');
    expect(out.timestamp).toBe(99);
  });

  it('passes body bytes through untouched without a body expression', async () => {
    const t = compileTransform({ headers: { a: '"b"' } });
    const out = await t.apply(message, expressionContext(message, t.needsBody));
    expect(out.body).toBe(message.body);
    expect(t.needsBody).toBe(false);
  });

  it('gives a frozen message like createMessage does: no key property once the key is removed', async () => {
    const t = compileTransform({ key: 'undefined', headers: { keep: 'undefined' } });
    const out = await t.apply(message, expressionContext(message, t.needsBody));
    expect(Object.isFrozen(out)).toBe(true);
    expect(Object.isFrozen(out.headers)).toBe(true);
    expect('key' in out).toBe(false);
    expect(out).toEqual(
      createMessage({ id: 'm1', body: message.body, headers: { drop: 'x' }, timestamp: 99 }),
    );
    expect(message.headers).toEqual({ keep: 'me', drop: 'x' });
  });

  it('fails with a DataError when the key is not a scalar', async () => {
    const t = compileTransform({ key: 'body' });
    await expect(t.apply(message, expressionContext(message, true))).rejects.toBeInstanceOf(DataError);
  });
});
