import { isMessageFault } from '../failure.js';

/** The outcome of one item of a batch: `ok`, or the error that failed it. */
export type ItemOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const OK: ItemOutcome = Object.freeze({ ok: true });

/**
 * The one place where a failed batch is split. Sends `items` as one batch with `send`. When that
 * fails with a message fault ({@link isMessageFault}: too large, bad data, unroutable...) and the batch
 * holds more than one item, each item is sent again on its own, one after the other in order, so one
 * bad item fails only itself. A transport failure (broker down, timeout, closed) fails every item
 * with the batch's error, unsplit: sending them one by one would only fail more slowly.
 *
 * Resolves with one outcome per item, in order; never rejects. Used by every layer that merges
 * independent submissions into one request (the bridge's sink batcher, an adapter's produce
 * coalescer), so they all split the same way.
 */
export async function sendIsolatingMessageFaults<T>(
  items: readonly T[],
  send: (batch: readonly T[]) => Promise<void>,
): Promise<ItemOutcome[]> {
  try {
    await send(items);
    return items.map(() => OK);
  } catch (error) {
    if (items.length <= 1 || !isMessageFault(error)) return items.map(() => ({ ok: false, error }));
  }
  const outcomes: ItemOutcome[] = [];
  for (const item of items) {
    try {
      await send([item]);
      outcomes.push(OK);
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}
