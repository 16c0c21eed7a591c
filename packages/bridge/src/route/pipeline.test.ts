import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './expressions.js';
import { createPipeline } from './pipeline.js';

const target = (name: string, when?: string) => ({
  name,
  when: when === undefined ? undefined : compileExpression(when),
});
const json = (value: unknown) => createMessage({ id: 'm', body: JSON.stringify(value) });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('createPipeline', () => {
  it('forwards the message itself to the same targets when there is nothing to evaluate', async () => {
    const targets = [target('a'), target('b')];
    const message = json({ n: 1 });
    const pipeline = createPipeline({ targets });
    expect(pipeline.forwardsAll).toBe(true);
    expect(createPipeline({ filter: 'true', targets }).forwardsAll).toBe(false);
    const result = await pipeline.run(message);
    expect(result).toEqual({ verdict: 'forward', message, targets });
    expect(result.verdict === 'forward' && result.targets).toBe(targets);
  });

  it('filters a message for which the filter does not hold', async () => {
    const pipeline = createPipeline({ filter: 'body.n > 1', targets: [target('a')] });
    expect((await pipeline.run(json({ n: 1 }))).verdict).toBe('filtered');
    expect((await pipeline.run(json({ n: 2 }))).verdict).toBe('forward');
  });

  it('transforms, then selects targets by `when` on the transformed message, in order', async () => {
    const pipeline = createPipeline({
      transform: { body: '{ "total": body.n * 10 }' },
      targets: [target('small', 'body.total < 50'), target('all'), target('big', 'body.total >= 50')],
    });
    const result = await pipeline.run(json({ n: 7 }));
    if (result.verdict !== 'forward') throw new Error(`expected forward, got ${result.verdict}`);
    expect(result.targets.map((t) => t.name)).toEqual(['all', 'big']);
    expect(JSON.parse(text(result.message.body))).toEqual({ total: 70 });
    expect(result.message.id).toBe('m');
  });

  it('filters a message no `when` selects', async () => {
    const pipeline = createPipeline({ targets: [target('a', 'body.x = 1'), target('b', 'body.x = 2')] });
    expect((await pipeline.run(json({ x: 3 }))).verdict).toBe('filtered');
  });

  it('fails a message, as its own fault and at the stage it broke, never throwing', async () => {
    const cases = [
      { spec: { filter: 'body.n > 1' }, body: 'not json', stage: 'decode' },
      { spec: { filter: '$error("nope")' }, body: '{}', stage: 'filter' },
      { spec: { transform: { body: '$error("bad")' } }, body: '{}', stage: 'transform' },
    ] as const;
    const headers = { 'content-type': 'application/json' };
    for (const { spec, body, stage } of cases) {
      const result = await createPipeline({ ...spec, targets: [target('a')] }).run(
        createMessage({ id: 'm', body, headers }),
      );
      if (result.verdict !== 'failed') throw new Error(`expected failed, got ${result.verdict}`);
      expect(result.failure).toMatchObject({ kind: 'message', stage, attempts: 1 });
    }
    const when = await createPipeline({ targets: [target('a', '$error("w")')] }).run(json({}));
    expect(when.verdict === 'failed' && when.failure.stage).toBe('when');
  });
});
