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
  it('gives the same results whether the direct evaluator or jsonata evaluates', async () => {
    const expression = compileExpression('{ "items": body.items, "via": "x" }');
    const evaluate = (body: string) => expression.evaluate(expressionContext(createMessage({ body }), true));
    // A string is read directly; an array is left to jsonata (which maps paths over arrays).
    expect(JSON.stringify(await evaluate('{"items": "one"}'))).toBe('{"items":"one","via":"x"}');
    expect(JSON.stringify(await evaluate('{"items": [1, 2]}'))).toBe('{"items":[1,2],"via":"x"}');
    expect(JSON.stringify(await evaluate('{"items": [{"a": 1}]}'))).toBe('{"items":[{"a":1}],"via":"x"}');
    expect(JSON.stringify(await evaluate('{}'))).toBe('{"via":"x"}');
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
  it('follows JSONata boolean casting ($boolean: an empty object is false, as jsonata says)', () => {
    const falsy = [undefined, null, false, 0, '', [], {}, [{}], [0, {}], () => 1];
    expect(falsy.map(isTruthy)).toEqual(falsy.map(() => false));
    expect([true, 1, 'x', [0, 1], { a: 1 }, [{ a: 0 }]].map(isTruthy)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});
