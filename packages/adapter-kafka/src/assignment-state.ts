import { parseCommitMetadata } from './commit-metadata.js';

/** A partition's committed offset as the group coordinator reports it (`-1` when none). */
export interface CommittedOffset {
  readonly partition: number;
  readonly offset: string;
  readonly metadata?: string | null;
}

/** A partition's log start (`low`) and end (`high`) offsets. */
export interface LogMarks {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** One partition and an offset in it. */
export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

/**
 * Where a new group starts on each partition that has no committed offset: the log end for `latest`,
 * the log start for `earliest` (`0` when the partition has no marks). Partitions with a committed
 * offset are left out. Pure.
 */
export function plannedStartOffsets(
  committed: readonly CommittedOffset[],
  marks: readonly LogMarks[],
  from: 'latest' | 'earliest',
): Map<number, string> {
  const starts = new Map<number, string>();
  for (const { partition, offset } of committed) {
    if (Number(offset) >= 0) continue;
    const mark = marks.find((m) => m.partition === partition);
    starts.set(partition, (from === 'earliest' ? mark?.low : mark?.high) ?? '0');
  }
  return starts;
}

/**
 * What one consumer-group member knows about its current assignment: the group **generation** (one
 * number, increased at every assignment; a delivery, a batch or a commit started under an older one is
 * stale), the partitions it owns, whether a rebalance is under way, the per-partition floors (the
 * committed offset read at assignment: nothing below it is dispatched in this generation) and the
 * planned start offsets of a new group.
 *
 * kafkajs rejoins eagerly: at every rebalance all partitions are revoked and consumption restarts from
 * the committed offsets, so an assignment replaces everything of the previous generation. Pure and
 * synchronous: no kafkajs, no timers, no I/O.
 */
export class AssignmentState {
  #generation = 0;
  #owned: ReadonlySet<number> = new Set();
  #rebalancing = false;
  readonly #floors = new Map<number, bigint>();
  /** Partitions whose batch already seeked to the floor in this generation (one seek each). */
  readonly #floorSeeks = new Set<number>();
  /** Where a new group starts, per partition without a committed offset (until committed at join). */
  readonly #startOffsets = new Map<number, string>();

  /** The current group generation: 0 before the first assignment, then 1, 2, ... */
  get generation(): number {
    return this.#generation;
  }

  /** The partitions of the current assignment. */
  get owned(): ReadonlySet<number> {
    return this.#owned;
  }

  /** True from a revoke (rebalance or consumer crash) until the next assignment. */
  get rebalancing(): boolean {
    return this.#rebalancing;
  }

  /** Remembers where a new group starts (see {@link plannedStartOffsets}); replaces an earlier plan. */
  planStart(starts: ReadonlyMap<number, string>): void {
    this.#startOffsets.clear();
    for (const [partition, offset] of starts) this.#startOffsets.set(partition, offset);
  }

  /**
   * A new assignment: starts the next generation with `partitions` owned, no floors, not rebalancing.
   * Returns the planned start offsets of the assigned partitions: seek there (a new group's first
   * assignment) rather than where the consumer's first fetch would reset to.
   */
  assign(partitions: readonly number[]): PartitionOffset[] {
    this.#generation++;
    this.#owned = new Set(partitions);
    this.#rebalancing = false;
    this.#floors.clear();
    this.#floorSeeks.clear();
    const seeks: PartitionOffset[] = [];
    for (const partition of partitions) {
      const offset = this.#startOffsets.get(partition);
      if (offset !== undefined) seeks.push({ partition, offset });
    }
    return seeks;
  }

  /** The partitions are being revoked (rebalance or crash): hold commits and dispatching until {@link assign}. Safe twice. */
  revoke(): void {
    this.#rebalancing = true;
  }

  /**
   * Whether work started under `generation` for `partition` may go on: same generation, no rebalance
   * under way, and the partition is still owned.
   */
  isCurrent(generation: number, partition: number): boolean {
    return generation === this.#generation && !this.#rebalancing && this.#owned.has(partition);
  }

  /** The planned start offsets of owned partitions, to commit once joined; forgets the whole plan. */
  takeStartCommits(): PartitionOffset[] {
    const owned = [...this.#startOffsets]
      .filter(([partition]) => this.#owned.has(partition))
      .map(([partition, offset]) => ({ partition, offset }));
    this.#startOffsets.clear();
    return owned;
  }

  /**
   * Takes the committed offsets read for the assignment of `generation`: each owned partition's offset
   * becomes its floor, and the commit metadata of this adapter says how far an earlier owner delivered.
   * Returns those delivery hints (`deliveredUpTo` per partition). Ignored (returns none) when the
   * generation is no longer current.
   */
  applyCommitted(
    generation: number,
    committed: readonly CommittedOffset[],
  ): Array<{ partition: number; deliveredUpTo: string }> {
    if (generation !== this.#generation) return [];
    const hints: Array<{ partition: number; deliveredUpTo: string }> = [];
    for (const { partition, offset, metadata } of committed) {
      if (!this.#owned.has(partition)) continue;
      if (/^\d+$/.test(offset)) this.#floors.set(partition, BigInt(offset));
      const deliveredUpTo = parseCommitMetadata(metadata)?.deliveredUpTo;
      if (deliveredUpTo !== undefined) hints.push({ partition, deliveredUpTo });
    }
    return hints;
  }

  /** The committed offset of `partition` read at assignment (fixed for this generation), if known. */
  floorOf(partition: number): bigint | undefined {
    return this.#floors.get(partition);
  }

  /**
   * True the first time in this generation a batch of `partition` found records below the floor: the
   * caller seeks to the floor once; later batches below it are only dropped while the seek applies.
   */
  claimFloorSeek(partition: number): boolean {
    if (this.#floorSeeks.has(partition)) return false;
    this.#floorSeeks.add(partition);
    return true;
  }
}
