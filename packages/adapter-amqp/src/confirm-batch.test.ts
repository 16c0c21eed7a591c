import { describe, expect, it } from 'vitest';
import { ConfirmBatch } from './confirm-batch.js';

function record(size: number) {
  const calls: Array<[number, unknown]> = [];
  let finished = 0;
  const batch = new ConfirmBatch(
    size,
    (i, error) => calls.push([i, error]),
    () => {
      finished++;
    },
  );
  return { batch, calls, finishedCount: () => finished };
}

describe('ConfirmBatch', () => {
  it('settles each message as its confirm arrives, in any order, and finishes after the last', () => {
    const { batch, calls, finishedCount } = record(3);
    batch.settle(1, undefined);
    expect(calls).toEqual([[1, undefined]]);
    expect(batch.finished).toBe(false);
    batch.settle(0, undefined);
    batch.settle(2, undefined);
    expect(calls.map(([i]) => i)).toEqual([1, 0, 2]);
    expect(batch.finished).toBe(true);
    expect(finishedCount()).toBe(1);
  });

  it('settles a message once: a late confirm after a failure is ignored', () => {
    const { batch, calls, finishedCount } = record(2);
    const timeout = new Error('timeout');
    batch.settle(0, undefined);
    batch.failOpen(timeout);
    batch.settle(1, undefined);
    batch.settle(0, new Error('again'));
    expect(calls).toEqual([
      [0, undefined],
      [1, timeout],
    ]);
    expect(finishedCount()).toBe(1);
  });

  it('fails only the open messages; a refused one keeps its own error', () => {
    const { batch, calls } = record(3);
    const unroutable = new Error('unroutable');
    const lost = new Error('channel closed');
    batch.settle(1, unroutable);
    batch.failOpen(lost);
    expect(calls).toEqual([
      [1, unroutable],
      [0, lost],
      [2, lost],
    ]);
    expect(batch.finished).toBe(true);
  });

  it('is finished at once when empty', () => {
    const { batch, finishedCount } = record(0);
    expect(batch.finished).toBe(true);
    expect(finishedCount()).toBe(1);
  });
});
