import { formatCommitMetadata } from './commit-metadata.js';
import type { PartitionCommit } from './offset-tracker.js';

/** One offset commit as sent to the group coordinator. */
export interface OffsetCommit {
  readonly partition: number;
  /** Next offset to read, as a decimal string. */
  readonly offset: string;
  /** This adapter's commit metadata (see commit-metadata.ts). */
  readonly metadata: string;
}

/** What an {@link OffsetCommitter} commits, and how. */
export interface OffsetCommitterInit {
  /** What may be committed now: the contiguous acked offset of every owned partition (OffsetTracker). */
  proposed(): readonly PartitionCommit[];
  /** Whether commits wait (a rebalance is under way); a forced commit goes anyway. */
  held(): boolean;
  /** The current group generation; a commit counts as done only if it did not change meanwhile. */
  generation(): number;
  /** Sends the commits to the group coordinator (kafkajs `commitOffsets`); rejects on failure. */
  send(commits: readonly OffsetCommit[]): Promise<void>;
  /** Told after every successful commit with what was committed (test hook). */
  onCommitted?(commits: ReadonlyArray<{ partition: number; offset: string }>): void;
  /** Told about a failed commit (it is retried by the next one); log it. */
  onError(error: unknown): void;
}

/**
 * The commit policy of one consumer-group member: commits are serialised (one at a time, in order),
 * each sends the proposed offset of every partition whose offset or metadata changed since it was last
 * committed in this generation, and they happen on ack ({@link commitSoon}, coalesced), on an interval
 * ({@link startInterval}), before a rejoin ({@link commit} forced) and on close. What is proposed is
 * read when a commit runs, not when it is asked for, so it never passes an offset that is unacked at
 * that moment. Never rejects; a failed commit is logged and retried by the next one.
 */
export class OffsetCommitter {
  readonly #init: OffsetCommitterInit;
  /** `offset/deliveredUpTo` last committed per partition in this generation. */
  readonly #last = new Map<number, string>();
  #chain: Promise<void> = Promise.resolve();
  /** A commit asked for by {@link commitSoon} has not started yet. */
  #queued = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: OffsetCommitterInit) {
    this.#init = init;
  }

  /**
   * Commits right after an ack instead of waiting for the interval: at most one commit waits behind the
   * one in progress (later acks ride along with it), so a crash redelivers only what was acked during
   * about one commit round trip plus what was in flight. Never blocks.
   */
  commitSoon(): void {
    if (this.#queued) return;
    this.#queued = true;
    const started = (): void => {
      this.#queued = false;
    };
    this.#chain = this.#chain.then(started, started);
    void this.commit(false);
  }

  /**
   * Queues one commit of what changed and resolves when it (and every commit before it) is done.
   * Skipped while {@link OffsetCommitterInit.held} unless `force` (the commit before a rejoin), which
   * commits what is proposed at the call, not when it runs. Never rejects.
   */
  commit(force: boolean): Promise<void> {
    // A forced commit comes right before a rejoin, and the partitions are revoked right after it is
    // asked for: what to commit is read now, not when it runs (it would find nothing owned).
    const snapshot = force ? this.#init.proposed() : undefined;
    const run = (): Promise<void> => this.#run(force, snapshot);
    this.#chain = this.#chain.then(run, run);
    return this.#chain;
  }

  /** Commits every `intervalMs` (unref'd timer) until {@link stopInterval}. Call once. */
  startInterval(intervalMs: number): void {
    this.#timer = setInterval(() => void this.commit(false), intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic commit. Safe twice, and before {@link startInterval}. */
  stopInterval(): void {
    clearInterval(this.#timer);
  }

  /** A new generation: what was committed before counts for nothing (commit everything again). */
  forget(): void {
    this.#last.clear();
  }

  async #run(force: boolean, snapshot?: readonly PartitionCommit[]): Promise<void> {
    if (this.#init.held() && !force) return;
    const generation = this.#init.generation();
    const pending = (snapshot ?? this.#init.proposed()).filter(
      (c) =>
        this.#last.get(c.partition) !== `${c.offset}/${c.deliveredUpTo}` &&
        // a snapshot never moves a partition back behind what a commit after it already sent
        !(snapshot && committedBeyond(this.#last.get(c.partition), c.offset)),
    );
    if (pending.length === 0) return;
    try {
      await this.#init.send(
        pending.map((c) => ({
          partition: c.partition,
          offset: c.offset,
          metadata: formatCommitMetadata(c.deliveredUpTo),
        })),
      );
      if (generation === this.#init.generation()) {
        for (const c of pending) this.#last.set(c.partition, `${c.offset}/${c.deliveredUpTo}`);
      }
      this.#init.onCommitted?.(pending.map((c) => ({ partition: c.partition, offset: c.offset })));
    } catch (error) {
      this.#init.onError(error);
    }
  }
}

/** True when `last` (`offset/deliveredUpTo` as committed) is at a later offset than `offset`. Pure. */
function committedBeyond(last: string | undefined, offset: string): boolean {
  if (last === undefined) return false;
  return BigInt(last.slice(0, last.indexOf('/'))) > BigInt(offset);
}
