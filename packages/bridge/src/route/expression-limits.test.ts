import { createMessage, DataError } from '@polybus/core';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { describeExpressionFailure, literalErrorMessages } from './expression-limits.js';
import { compileExpression, expressionContext } from './expressions.js';

const SECRET = 's3cr3t-token';
const context = expressionContext(createMessage({ body: `{"evil": true, "pw": "${SECRET}"}` }), true);

/** Evaluates and returns the rejection, with how long it took. */
async function failure(source: string): Promise<{ error: DataError; ms: number }> {
  const started = performance.now();
  const error = await compileExpression(source)
    .evaluate(context)
    .then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(DataError);
  return { error: error as DataError, ms: performance.now() - started };
}

describe('bounded expressions (issue 14 poison cases)', () => {
  it('cuts endless tail recursion at the time budget', async () => {
    const { error, ms } = await failure('body.evil = true ? ($f := function($x){ $f($x) }; $f(1)) : true');
    expect(error.message).toMatch(/^expression failed: time budget exceeded \(D1012 at character \d+\)$/);
    expect(ms).toBeLessThan(2_000);
  });
  it('cuts recursion that grows the stack at the depth limit', async () => {
    const { error } = await failure('($f := function($x){ 1 + $f($x) }; $f(1))');
    expect(error.message).toMatch(/^expression failed: depth limit exceeded \(D1011/);
  });
  it('refuses a huge range before allocating it', async () => {
    const { error, ms } = await failure('$join($map([1..10000000], $string), ",")');
    expect(error.message).toMatch(/^expression failed: sequence too long \(D201[45]/);
    expect(ms).toBeLessThan(1_000);
  });
  it('names neither the source nor body values in the error', async () => {
    const { error } = await failure(`$error(body.pw & "${SECRET}x")`);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('$error');
    const typeError = await failure('body.pw + 1');
    expect(typeError.error.message).not.toContain(SECRET);
    expect(typeError.error.message).toMatch(
      /^expression failed: evaluation error \(T2001 at character \d+\)$/,
    );
  });
  it('does not quote the source in a syntax error', () => {
    expect(() => compileExpression(`"${SECRET}" & `)).toThrow(
      /^invalid JSONata expression: syntax error \(S\d{4}/,
    );
    try {
      compileExpression(`"${SECRET}" & `);
    } catch (e) {
      expect((e as Error).message).not.toContain(SECRET);
    }
  });
  it("counts an evaluation's own time against its budget, not that of evaluations running beside it", async () => {
    // 64 messages in flight, each an evaluation of a few milliseconds: interleaved, each one's
    // wall-clock would span all of them and pass the budget (good messages dead-lettered as
    // "time budget exceeded" on a loaded machine).
    const budgetMs = 50;
    const expression = compileExpression('$sum($map([1..1000], function($v){ $v * 2 }))', {
      timeoutMs: budgetMs,
      maxDepth: 500,
      maxSequence: 100_000,
    });
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 64 }, () => expression.evaluate(context)));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual(
      Array.from({ length: 64 }, () => 1001000),
    );
    // The point of the test is that together they took longer than one budget.
    expect(performance.now() - started).toBeGreaterThan(budgetMs);
  });
  it('keeps ordinary evaluations working under the limits', async () => {
    await expect(compileExpression('$count([1..1000])').evaluate(context)).resolves.toBe(1000);
    await expect(
      compileExpression('($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10))').evaluate(context),
    ).resolves.toBe(3628800);
  });
});

describe('describeExpressionFailure', () => {
  it('keeps only well-formed codes and names', () => {
    expect(describeExpressionFailure({ code: 'T2001', position: 3, message: 'secret' })).toBe(
      'evaluation error (T2001 at character 3)',
    );
    expect(describeExpressionFailure({ code: 'x secret', message: 'secret' })).toBe(
      'evaluation error (Error)',
    );
    expect(describeExpressionFailure(new RangeError('Invalid string length'))).toBe(
      'resource limit exceeded (RangeError)',
    );
  });

  it('repeats only an $error message written as a literal in the expression', () => {
    const authored = literalErrorMessages(
      jsonata('$type(body) = "object" ? body : $error("not an object")').ast(),
    );
    expect([...authored]).toEqual(['not an object']);
    expect(
      describeExpressionFailure({ code: 'D3137', position: 9, message: 'not an object' }, authored),
    ).toBe('not an object');
    expect(describeExpressionFailure({ code: 'D3137', position: 9, message: 'pw=hunter2' }, authored)).toBe(
      'evaluation error (D3137 at character 9)',
    );
    expect([...literalErrorMessages(jsonata('$error(body.pw & "x")').ast())]).toEqual([]);
  });
});
