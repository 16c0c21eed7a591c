import { ClosedError, createMessage, type Message, MessageTooLargeError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { SinkBatcher } from './sink-batcher.js';
import { FakeSink } from './test/fake-sink.js';

const ids = (batches: { id: string }[][]) => batches.map((b) => b.map((m) => m.id).join(','));
const outcomes = (promises: Promise<void>[]) =>
  Promise.all(
    promises.map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.constructor.name,
      ),
    ),
  );

describe('SinkBatcher', () => {
  it('sends what is published within one tick as one batch, in order', async () => {
    const fake = new FakeSink();
    const batcher = new SinkBatcher(fake, 'x');
    await Promise.all(['a', 'b', 'c'].map((id) => batcher.publish(createMessage({ id, body: id }))));
    expect(ids(fake.batches)).toEqual(['a,b,c']);
  });

  it('caps a batch at maxBatch', async () => {
    const fake = new FakeSink();
    const batcher = new SinkBatcher(fake, 'x', 2);
    await Promise.all(['a', 'b', 'c'].map((id) => batcher.publish(createMessage({ id, body: id }))));
    expect(ids(fake.batches)).toEqual(['a,b', 'c']);
  });

  it('splits a batch that failed with a message fault, so only the bad message fails', async () => {
    const fake = new FakeSink();
    fake.behaviour = async (messages) => {
      if (messages.some((m) => m.id === 'bad')) throw new MessageTooLargeError('too big');
    };
    const batcher = new SinkBatcher(fake, 'x');
    const results = await outcomes(
      ['a', 'bad', 'c'].map((id) => batcher.publish(createMessage({ id, body: id }))),
    );
    expect(results).toEqual(['ok', 'MessageTooLargeError', 'ok']);
    expect(ids(fake.batches)).toEqual(['a,bad,c', 'a', 'bad', 'c']);
  });

  it('fails every message of a batch with a transport failure, unsplit (ClosedError included)', async () => {
    const fake = new FakeSink();
    fake.behaviour = async () => {
      throw new ClosedError('closed');
    };
    const batcher = new SinkBatcher(fake, 'x');
    const results = await outcomes(['a', 'b'].map((id) => batcher.publish(createMessage({ id, body: id }))));
    expect(results).toEqual(['ClosedError', 'ClosedError']);
    expect(fake.calls).toBe(1);
  });
});

/** A FakeSink that also settles message by message: the test settles each index when it likes. */
class StreamingFakeSink extends FakeSink {
  readonly calls2: Array<{ ids: string[]; settle: (index: number, error?: unknown) => void }> = [];
  publishEach(
    _address: unknown,
    messages: readonly Message[],
    settled: (i: number, e: unknown) => void,
  ): void {
    this.calls2.push({ ids: messages.map((m) => m.id), settle: (i, e) => settled(i, e) });
  }
}

describe('SinkBatcher with a streaming (per-message confirm) transport', () => {
  it('sends what was published before the microtasks ran out as one publishEach, before the next turn', async () => {
    const fake = new StreamingFakeSink();
    const batcher = new SinkBatcher(fake, 'x');
    const promises = ['a', 'b', 'c'].map((id) => batcher.publish(createMessage({ id, body: id })));
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await Promise.resolve();
    expect(fake.calls2.map((c) => c.ids.join(','))).toEqual(['a,b,c']);
    expect(turned).toBe(false);
    for (const i of [0, 1, 2]) fake.calls2[0]?.settle(i);
    await Promise.all(promises);
    expect(fake.calls).toBe(0);
  });

  it('settles each message with its own confirm: an early one does not wait for the rest', async () => {
    const fake = new StreamingFakeSink();
    const batcher = new SinkBatcher(fake, 'x');
    const states = ['a', 'b', 'c'].map(() => 'open');
    ['a', 'b', 'c'].forEach((id, i) => {
      batcher.publish(createMessage({ id, body: id })).then(
        () => {
          states[i] = 'ok';
        },
        (e: Error) => {
          states[i] = e.constructor.name;
        },
      );
    });
    await Promise.resolve();
    const call = fake.calls2[0];
    call?.settle(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(states).toEqual(['open', 'ok', 'open']);
    call?.settle(0, new MessageTooLargeError('too big'));
    call?.settle(2, new ClosedError('closed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(states).toEqual(['MessageTooLargeError', 'ok', 'ClosedError']);
  });

  it('keeps publish order across batches capped at maxBatch', async () => {
    const fake = new StreamingFakeSink();
    const batcher = new SinkBatcher(fake, 'x', 2);
    for (const id of ['a', 'b', 'c', 'd', 'e']) void batcher.publish(createMessage({ id, body: id }));
    await Promise.resolve();
    expect(fake.calls2.map((c) => c.ids.join(','))).toEqual(['a,b', 'c,d', 'e']);
  });
});
