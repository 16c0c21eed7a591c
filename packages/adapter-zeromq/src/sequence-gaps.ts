import type { SequenceStamp } from './zmq-envelope.js';

/**
 * Counts messages a subscriber never saw, from the publisher's sequence stamps: per (publisher, topic)
 * it remembers the last `seq` and adds every skipped number to {@link missed}. A publisher that
 * restarts gets a new `src`, so its numbering starts over without a false gap. Keeps at most
 * `maxStreams` streams (least recently seen forgotten first). Not shared between subscriptions.
 */
export class SequenceGaps {
  readonly #maxStreams: number;
  readonly #last = new Map<string, number>();
  #missed = 0;

  constructor(maxStreams = 4_096) {
    this.#maxStreams = maxStreams;
  }

  /** Messages skipped so far. */
  get missed(): number {
    return this.#missed;
  }

  /** Records one received stamp; returns how many messages were skipped just before it (0 if none). */
  record(stamp: SequenceStamp, topic: string): number {
    const stream = `${stamp.src}\u0000${topic}`;
    const last = this.#last.get(stream);
    this.#last.delete(stream);
    this.#last.set(stream, last === undefined ? stamp.seq : Math.max(last, stamp.seq));
    if (this.#last.size > this.#maxStreams) this.#last.delete(this.#last.keys().next().value as string);
    // The first message of a stream seen by this subscriber starts it: a subscriber that joins late
    // has not "missed" what was published before it joined.
    const gap = last === undefined || stamp.seq <= last ? 0 : stamp.seq - last - 1;
    this.#missed += gap;
    return gap;
  }
}
