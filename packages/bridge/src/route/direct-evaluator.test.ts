import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileDirect, UNDECIDED } from './direct-evaluator.js';

const direct = (source: string) => compileDirect(jsonata(source).ast());

/** Bodies as JSON text, parsed fresh for each context as the bridge does. */
const bodies = [
  '{"seq": 7, "ts": 1732140000123.456, "pad": "xxx", "nested": {"id": "n1", "deep": {"v": null}}}',
  '{"seq": 0, "ts": -0, "pad": "", "nested": {"id": false}}',
  '{"seq": null, "nested": null}',
  '{"seq": "7", "nested": "text", "pad": true}',
  '{"nested": {"id": {"x": [1, 2]}, "deep": 5}}',
  '{"__proto__": {"x": 1}, "constructor": 2, "seq": 3}',
  '{"2": "two", "1": "one", "b": "b", "a": "a"}',
  '{"nested": {"_jsonata_lambda": true, "id": "hidden"}}',
  '{"seq": [1, 2], "nested": [{"id": "a"}, {"id": "b"}], "one": [5], "empty": []}',
  '[{"seq": 1}, {"seq": 2}]',
  '"just a string"',
  '42',
  'null',
  '{}',
];

const contexts = bodies.flatMap((text) => [
  {
    id: 'm1',
    key: 'k',
    headers: { 'content-type': 'application/json', a: 'b' },
    body: JSON.parse(text),
    timestamp: 9,
  },
  { id: 'm2', key: undefined, headers: {}, body: JSON.parse(text), timestamp: 0 },
]);

const expressions = [
  '{ "seq": body.seq, "ts": body.ts, "pad": body.pad, "via": "polybus" }',
  'body',
  'body.seq',
  'body.nested.id',
  'body.nested.deep.v',
  'body.nested.id.x',
  'body.nested.length',
  'body.pad.length',
  'body.nested.`0`',
  'body.toString',
  'body.constructor',
  'body.__proto__',
  'body.__proto__.x',
  'key',
  'headers.a',
  'headers.missing',
  'id',
  'timestamp',
  'missing.field',
  '{ "2": body.seq, "1": body.ts, "b": body.pad, "a": key }',
  '{ "outer": { "inner": body.nested, "n": 1.5, "t": true, "f": false, "z": null }, "empty": {} }',
  '{ "__proto__": body.seq, "constructor": id }',
  '{ "only": body.absent }',
  '"literal"',
  '12.5',
  'true',
  'null',
  'body.seq = 7',
  'body.seq != 7',
  'body.seq = "7"',
  'body.seq = body.missing',
  'body.seq != body.missing',
  'body.missing != body.seq',
  'body.nested = null',
  'body.nested.id = "n1"',
  'body.nested = body.nested',
  'body.seq > 3',
  'body.seq <= 0',
  'body.seq >= body.ts',
  'body.pad < "y"',
  'body.missing < 1',
  'body.nested > 1',
  'body.seq < body.pad',
  'headers.a = "b" and body.seq > 1',
  'key = "k" or id = "m2"',
  'body.seq or body.pad',
  'body.pad and body.missing',
  'body.nested.id and true',
  'body.nested or false',
  'body.missing and body.nested.id.x',
  'body.ts or body.nested',
];

describe('compileDirect', () => {
  it('gives what jsonata gives, or defers to it, for every expression and input', async () => {
    let compared = 0;
    let deferred = 0;
    for (const source of expressions) {
      const evaluator = direct(source);
      expect(evaluator, source).toBeDefined();
      const expression = jsonata(source);
      for (const context of contexts) {
        const ours = evaluator?.(context);
        if (ours === UNDECIDED) {
          deferred++;
          continue;
        }
        const theirs = await expression.evaluate(context);
        const where = `${source} on ${JSON.stringify(context.body)}`;
        expect(ours, where).toStrictEqual(theirs);
        expect(JSON.stringify(ours), where).toBe(JSON.stringify(theirs));
        if (typeof theirs === 'object' && theirs !== null) {
          expect(Object.getPrototypeOf(ours), where).toBe(Object.getPrototypeOf(theirs));
          expect(Object.keys(ours as object), where).toEqual(Object.keys(theirs));
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(deferred).toBeGreaterThan(20);
  });

  it('returns objects read by a path by reference, as jsonata does', async () => {
    const body = { nested: { id: 1 } };
    const context = { id: 'm', key: undefined, headers: {}, body, timestamp: 0 };
    expect(direct('body.nested')?.(context)).toBe(body.nested);
    expect(await jsonata('body.nested').evaluate(context)).toBe(body.nested);
  });

  it('defers arrays, array inputs and jsonata-flagged objects to jsonata', () => {
    const body = JSON.parse('{"list": [1], "rows": [{"a": 1}], "fn": {"_jsonata_function": true, "a": 1}}');
    const context = { id: 'm', headers: {}, body, timestamp: 0 };
    expect(direct('body.list')?.(context)).toBe(UNDECIDED);
    expect(direct('body.rows.a')?.(context)).toBe(UNDECIDED);
    expect(direct('body.fn.a')?.(context)).toBe(UNDECIDED);
    expect(direct('{ "a": body.list }')?.(context)).toBe(UNDECIDED);
    expect(direct('{ "a": 1 }')?.([context])).toBe(UNDECIDED);
    expect(direct('a')?.([{ a: 1 }])).toBe(UNDECIDED);
  });

  it('leaves everything outside the subset to jsonata', () => {
    for (const source of [
      'body.items[0]',
      'body.items[]',
      'body.a{ "x": 1 }',
      'body.*',
      'body.**.id',
      '$',
      '$.body',
      'body.$',
      '$uppercase(key)',
      'body.total + 100',
      'key & "x"',
      'body.seq in [1, 2]',
      '$not(body.seq)',
      '-body.seq',
      '[1, 2]',
      '{ "a": 1 }.a',
      'body.a ? 1 : 2',
      '{ "a": 1, "a": 2 }',
      '{ "_jsonata_lambda": 1 }',
      '{ "_jsonata_function": 1 }',
      '{ key: 1 }',
      '{ "a": $string(body.seq) }',
      '(body.a)',
      'body.%.x',
    ]) {
      expect(direct(source), source).toBeUndefined();
    }
  });

  it('matches jsonata throwing where it throws (the cases it leaves to jsonata)', async () => {
    const context = { id: 'm', headers: {}, body: {}, timestamp: 0 };
    await expect(jsonata('{ "a": 1, "a": 2 }').evaluate(context)).rejects.toMatchObject({ code: 'D1009' });
    await expect(jsonata('{ "_jsonata_lambda": 1 }').evaluate(context)).rejects.toMatchObject({
      code: 'D1013',
    });
  });
});
