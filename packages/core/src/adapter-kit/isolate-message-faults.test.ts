import { describe, expect, it } from 'vitest';
import { ClosedError, ConnectionError, MessageTooLargeError } from '../errors.js';
import { sendIsolatingMessageFaults } from './isolate-message-faults.js';

/** A sender that refuses any batch holding 'bad' with `fault`, and records what it was sent. */
function sender(fault: () => Error) {
  const sent: string[][] = [];
  const send = async (batch: readonly string[]) => {
    sent.push([...batch]);
    if (batch.includes('bad')) throw fault();
  };
  return { sent, send };
}

describe('sendIsolatingMessageFaults', () => {
  it('sends a good batch once', async () => {
    const { sent, send } = sender(() => new MessageTooLargeError('x'));
    const out = await sendIsolatingMessageFaults(['a', 'b'], send);
    expect(out.map((o) => o.ok)).toEqual([true, true]);
    expect(sent).toEqual([['a', 'b']]);
  });

  it('splits on a message fault: only the bad item fails, the others are sent alone, in order', async () => {
    const { sent, send } = sender(() => new MessageTooLargeError('too big'));
    const out = await sendIsolatingMessageFaults(['a', 'bad', 'c'], send);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(sent).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    const failed = out[1];
    expect(failed?.ok === false && failed.error).toBeInstanceOf(MessageTooLargeError);
  });

  it.each([
    ['a connection error', () => new ConnectionError('down')],
    ['a closed transport', () => new ClosedError('closed')],
  ])('does not split on %s: every item fails with the batch error', async (_name, fault) => {
    const { sent, send } = sender(fault);
    const out = await sendIsolatingMessageFaults(['a', 'bad'], send);
    expect(out.map((o) => o.ok)).toEqual([false, false]);
    expect(sent).toHaveLength(1);
  });
});
