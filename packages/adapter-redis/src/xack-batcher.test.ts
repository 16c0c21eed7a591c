import { describe, expect, it } from 'vitest';
import { XackBatcher } from './xack-batcher.js';

/** A batcher whose flushes run only when the test says so, and whose XACKs the test answers. */
function harness(maxIds?: number) {
  const sent: Array<{ ids: readonly string[]; resolve(): void; reject(e: unknown): void }> = [];
  const flushes: Array<() => void> = [];
  const batcher = new XackBatcher(
    (ids) =>
      new Promise<unknown>((resolve, reject) => {
        sent.push({ ids: [...ids], resolve: () => resolve(ids.length), reject });
      }),
    (flush) => flushes.push(flush),
    maxIds,
  );
  const runFlushes = (): void => {
    for (const f of flushes.splice(0)) f();
  };
  return { batcher, sent, flushes, runFlushes };
}

/** Records which of `promises` settled so far, and how. */
function watch(promises: Array<Promise<void>>): string[] {
  const states = promises.map(() => 'pending');
  promises.forEach((p, i) => {
    p.then(
      () => {
        states[i] = 'acked';
      },
      (e: unknown) => {
        states[i] = `failed:${(e as Error).message}`;
      },
    );
  });
  return states;
}

describe('XackBatcher', () => {
  it('sends the acks of one turn as one XACK, in order, and resolves none before its reply', async () => {
    const { batcher, sent, flushes, runFlushes } = harness();
    const states = watch(['1-0', '2-0', '3-0'].map((id) => batcher.ack(id)));
    expect(flushes).toHaveLength(1); // one flush scheduled for the three acks
    expect(sent).toHaveLength(0);
    runFlushes();
    expect(sent.map((s) => s.ids)).toEqual([['1-0', '2-0', '3-0']]);
    await Promise.resolve();
    expect(states).toEqual(['pending', 'pending', 'pending']);
    sent[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(states).toEqual(['acked', 'acked', 'acked']);
    expect(batcher.queued).toBe(0);
  });

  it('rejects every ack of a failed XACK with its error and leaves other batches alone', async () => {
    const { batcher, sent, runFlushes } = harness();
    const first = watch([batcher.ack('1-0'), batcher.ack('2-0')]);
    runFlushes();
    const second = watch([batcher.ack('3-0')]);
    runFlushes();
    expect(sent.map((s) => s.ids)).toEqual([['1-0', '2-0'], ['3-0']]);
    sent[0]!.reject(new Error('NOGROUP No such key'));
    sent[1]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(first).toEqual(['failed:NOGROUP No such key', 'failed:NOGROUP No such key']);
    expect(second).toEqual(['acked']);
  });

  it('sends a full batch at once and the rest at the scheduled flush', () => {
    const { batcher, sent, flushes, runFlushes } = harness(2);
    for (const id of ['1-0', '2-0', '3-0', '4-0', '5-0']) void batcher.ack(id);
    expect(sent.map((s) => s.ids)).toEqual([
      ['1-0', '2-0'],
      ['3-0', '4-0'],
    ]);
    expect(batcher.queued).toBe(1);
    runFlushes();
    expect(sent.map((s) => s.ids)).toEqual([['1-0', '2-0'], ['3-0', '4-0'], ['5-0']]);
    expect(flushes).toHaveLength(0);
    runFlushes(); // nothing left: no empty XACK
    expect(sent).toHaveLength(3);
  });

  it('turns a send that throws synchronously into rejected acks', async () => {
    const batcher = new XackBatcher(
      () => {
        throw new Error('connection is closed');
      },
      (flush) => flush(),
    );
    await expect(batcher.ack('1-0')).rejects.toThrow('connection is closed');
  });

  it('flushes on setImmediate by default', async () => {
    const sent: string[][] = [];
    const batcher = new XackBatcher(async (ids) => {
      sent.push([...ids]);
      return ids.length;
    });
    const acks = [batcher.ack('1-0'), batcher.ack('2-0')];
    await Promise.resolve();
    expect(sent).toEqual([]);
    await Promise.all(acks);
    expect(sent).toEqual([['1-0', '2-0']]);
  });
});
