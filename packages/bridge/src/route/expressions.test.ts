import { createMessage, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { compileExpression, expressionContext, isTruthy } from './expressions.js';

describe('compileExpression', () => {
  it('evaluates over { id, key, headers, body, timestamp }', async () => {
    const message = createMessage({
      id: 'm1',
      key: 'k',
      headers: { h: 'v' },
      body: '{"total": 150}',
      timestamp: 7,
    });
    const context = expressionContext(message, true);
    await expect(compileExpression('body.total > 100').evaluate(context)).resolves.toBe(true);
    await expect(
      compileExpression('id & "/" & key & "/" & headers.h & "/" & $string(timestamp)').evaluate(context),
    ).resolves.toBe('m1/k/v/7');
  });
  it('knows whether it needs the body', () => {
    expect(compileExpression('body.total > 1').needsBody).toBe(true);
    expect(compileExpression('headers.type = "x"').needsBody).toBe(false);
    expect(compileExpression('$').needsBody).toBe(true);
    expect(compileExpression('$uppercase(key)').needsBody).toBe(false);
  });
  it('throws on syntax errors and turns evaluation errors into DataError', async () => {
    expect(() => compileExpression('body.total >')).toThrow(/invalid JSONata expression/);
    const context = expressionContext(createMessage({ body: '{}' }), true);
    await expect(compileExpression('$error("boom")').evaluate(context)).rejects.toBeInstanceOf(DataError);
  });
  it('leaves the body undecoded when asked to', () => {
    expect(expressionContext(createMessage({ body: '{"a":1}' }), false).body).toBeUndefined();
  });
});

describe('isTruthy', () => {
  it('follows JSONata boolean casting', () => {
    expect([undefined, null, false, 0, '', []].map(isTruthy)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([true, 1, 'x', [0, 1], {}].map(isTruthy)).toEqual([true, true, true, true, true]);
  });
});
