import { ConnectionError, DataError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { ProduceCoalescer, type ProduceCoalescerOptions } from './produce-coalescer.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A sender whose requests the test completes one by one. */
function controlledSender() {
  const requests: Array<{ items: readonly string[]; done: ReturnType<typeof deferred<void>> }> = [];
  const send = (items: readonly string[]): Promise<void> => {
    const done = deferred<void>();
    requests.push({ items: [...items], done });
    return done.promise;
  };
  return { requests, send };
}

const outcome = (promise: Promise<void>) => {
  const state = { value: 'pending' as string };
  promise.then(
    () => {
      state.value = 'resolved';
    },
    (error: unknown) => {
      state.value = `rejected: ${error instanceof Error ? error.message : String(error)}`;
    },
  );
  return state;
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

function group(
  send: ProduceCoalescerOptions<string>['send'],
  options: Partial<ProduceCoalescerOptions<string>> = {},
) {
  return new ProduceCoalescer<string>({
    send,
    bytes: (item) => item.length,
    maxBytes: 1000,
    maxCount: 1000,
    ...options,
  });
}

describe('ProduceCoalescer', () => {
  it('sends a submission at once when idle, and those made meanwhile together, in order, when it returns', async () => {
    const { requests, send } = controlledSender();
    const commit = group(send);
    const a = outcome(commit.submit(['a1', 'a2']));
    expect(requests.map((r) => r.items)).toEqual([['a1', 'a2']]);
    const b = outcome(commit.submit(['b1']));
    const c = outcome(commit.submit(['c1', 'c2']));
    expect(commit.waiting).toBe(2);
    await tick();
    expect(requests).toHaveLength(1);

    requests[0]?.done.resolve();
    await tick();
    expect(a.value).toBe('resolved');
    expect([b.value, c.value]).toEqual(['pending', 'pending']);
    expect(requests.map((r) => r.items)).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);

    requests[1]?.done.resolve();
    await tick();
    expect([b.value, c.value]).toEqual(['resolved', 'resolved']);
    expect(commit.waiting).toBe(0);
  });

  it('keeps groups within maxCount and maxBytes, never splitting a submission (an oversized one goes alone)', async () => {
    const { requests, send } = controlledSender();
    const commit = group(send, { maxCount: 3, maxBytes: 10 });
    const all = [
      commit.submit(['first']),
      commit.submit(['x', 'y']),
      commit.submit(['z']),
      commit.submit(['w']),
      commit.submit(['toolong-but-alone']),
      commit.submit(['12345', '12345']),
      commit.submit(['1']),
    ];
    // Complete each request as it comes: the queue was filled while the first was in flight.
    for (let i = 0; i < 6; i++) {
      await expect.poll(() => requests.length).toBe(i + 1);
      requests[i]?.done.resolve();
    }
    await Promise.all(all);
    expect(requests.map((r) => r.items)).toEqual([
      ['first'],
      ['x', 'y', 'z'],
      ['w'],
      ['toolong-but-alone'],
      ['12345', '12345'],
      ['1'],
    ]);
  });

  it('rejects every submission of a failed group (and only those) when the failure is not a message fault', async () => {
    const { requests, send } = controlledSender();
    const commit = group(send);
    const a = outcome(commit.submit(['a']));
    const b = outcome(commit.submit(['b']));
    const c = outcome(commit.submit(['c']));
    requests[0]?.done.resolve();
    await tick();
    requests[1]?.done.reject(new ConnectionError('connection lost'));
    await tick();
    expect([a.value, b.value, c.value]).toEqual([
      'resolved',
      'rejected: connection lost',
      'rejected: connection lost',
    ]);
    const d = outcome(commit.submit(['d']));
    requests[2]?.done.resolve();
    await tick();
    expect(d.value).toBe('resolved');
    expect(requests.map((r) => r.items)).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('resends each submission of a failed group alone, in order, when the error is a message fault (one of theirs)', async () => {
    const sent: string[][] = [];
    let blockFirst = deferred<void>();
    const commit = group(async (items) => {
      sent.push([...items]);
      if (sent.length === 1) await blockFirst.promise;
      if (items.includes('bad')) throw new DataError('record refused');
    });
    const first = outcome(commit.submit(['first']));
    const good1 = outcome(commit.submit(['g1']));
    const bad = outcome(commit.submit(['x', 'bad']));
    const good2 = outcome(commit.submit(['g2']));
    blockFirst.resolve();
    blockFirst = deferred<void>();
    await expect
      .poll(() => [first.value, good1.value, bad.value, good2.value])
      .toEqual(['resolved', 'resolved', 'rejected: record refused', 'resolved']);
    expect(sent).toEqual([['first'], ['g1', 'x', 'bad', 'g2'], ['g1'], ['x', 'bad'], ['g2']]);
  });

  it('rejects a lone submission with its error without resending it, and survives a send that throws synchronously', async () => {
    let calls = 0;
    const commit = group((() => {
      calls++;
      throw 'sync failure';
    }) as ProduceCoalescerOptions<string>['send']);
    await expect(commit.submit(['a'])).rejects.toBe('sync failure');
    expect(calls).toBe(1);
    await expect(commit.submit(['b'])).rejects.toBe('sync failure');
    expect(calls).toBe(2);
  });

  it('never resends a lone submission, even on a message fault', async () => {
    let calls = 0;
    const refused = new DataError('record refused');
    const commit = group(async () => {
      calls++;
      throw refused;
    });
    await expect(commit.submit(['a', 'b'])).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('resolves an empty submission without sending', async () => {
    let calls = 0;
    const commit = group(async () => {
      calls++;
    });
    await commit.submit([]);
    expect(calls).toBe(0);
  });
});
