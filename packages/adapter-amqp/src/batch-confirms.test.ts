import { describe, expect, it } from 'vitest';
import { BatchConfirms } from './batch-confirms.js';

const settledState = async (promise: Promise<void>): Promise<string> =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => `rejected: ${String(error)}`,
    ),
    new Promise<string>((resolve) => setImmediate(() => resolve('pending'))),
  ]);

describe('BatchConfirms', () => {
  it('resolves only once every expected confirm arrived', async () => {
    const confirms = new BatchConfirms();
    confirms.expect();
    confirms.expect();
    confirms.expect();
    confirms.settle(undefined);
    const all = confirms.all();
    confirms.settle(undefined);
    expect(await settledState(all)).toBe('pending');
    confirms.settle(undefined);
    expect(await settledState(all)).toBe('resolved');
  });

  it('resolves at once when every confirm came before all() (or none was expected)', async () => {
    const confirms = new BatchConfirms();
    confirms.expect();
    confirms.settle(undefined);
    expect(await settledState(confirms.all())).toBe('resolved');
    expect(await settledState(new BatchConfirms().all())).toBe('resolved');
  });

  it('rejects with the first error as soon as it arrives, without waiting for the rest', async () => {
    const confirms = new BatchConfirms();
    for (let i = 0; i < 4; i++) confirms.expect();
    const all = confirms.all();
    confirms.settle(undefined);
    confirms.settle('first');
    expect(await settledState(all)).toBe('rejected: first');
    confirms.settle('second');
    confirms.settle(undefined);
    expect(await settledState(all)).toBe('rejected: first');
  });

  it('rejects with an error that arrived before all() was called', async () => {
    const confirms = new BatchConfirms();
    confirms.expect();
    confirms.expect();
    confirms.settle('early');
    expect(await settledState(confirms.all())).toBe('rejected: early');
  });
});
