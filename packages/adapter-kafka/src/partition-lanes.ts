/**
 * Per-partition buffers between kafkajs's fetch loop and the handler, deciding what is dispatched
 * next and which partitions the consumer should pause.
 *
 * Pure and synchronous: no kafkajs, no timers. The subscription offers every fetched record
 * ({@link PartitionLanes.offer}), takes records to dispatch ({@link PartitionLanes.take}, round robin
 * over partitions), reports settlements and nack back-offs, and keeps each partition's consumer
 * pause state equal to {@link PartitionLanes.wantsPause}. A partition has at most one record handed
 * out at a time, so records of one partition are handled one at a time, in offset order.
 */

/** A fetched record: anything with a Kafka offset (decimal string). */
export interface LaneRecord {
  readonly offset: string;
}

/** Buffer bounds of {@link PartitionLanes}. */
export interface PartitionLanesOptions {
  /** Records buffered per partition before it asks to be paused (>= 1). */
  readonly highWater: number;
  /** A partition paused for a full buffer asks to resume once at most this many are buffered. */
  readonly lowWater: number;
}

interface Lane<T extends LaneRecord> {
  readonly partition: number;
  queue: T[];
  /** A record of this partition is with the handler (of this or an earlier assignment). */
  busy: boolean;
  /** A nack back-off runs: nothing is accepted or dispatched until it ends. */
  backingOff: boolean;
  /** What the consumer was last told (pause = true). */
  paused: boolean;
  /** Lowest offset accepted next; lower ones are replays of records already taken or queued. */
  next: bigint | undefined;
}

/** Per-partition queues of one subscription. Not shared; cheap per call. */
export class PartitionLanes<T extends LaneRecord> {
  readonly #options: PartitionLanesOptions;
  readonly #lanes = new Map<number, Lane<T>>();
  #cursor = 0;

  /** Throws RangeError when the bounds are not `1 <= highWater`, `0 <= lowWater < highWater`. */
  constructor(options: PartitionLanesOptions) {
    const { highWater, lowWater } = options;
    if (!Number.isInteger(highWater) || highWater < 1 || !Number.isInteger(lowWater) || lowWater < 0) {
      throw new RangeError(`invalid lane bounds ${highWater}/${lowWater}`);
    }
    if (lowWater >= highWater) throw new RangeError('lowWater must be below highWater');
    this.#options = options;
  }

  /**
   * Buffers a fetched record of `partition` and returns true, or returns false (dropped) while the
   * partition backs off from a nack or when the record is below the next expected offset (a replay
   * of one already buffered or handed out: the consumer seeks back when it is needed again).
   */
  offer(partition: number, record: T): boolean {
    const lane = this.#lane(partition);
    const at = BigInt(record.offset);
    if (lane.backingOff || (lane.next !== undefined && at < lane.next)) return false;
    lane.queue.push(record);
    lane.next = at + 1n;
    return true;
  }

  /**
   * Takes the head record of the next partition (round robin) that has one buffered, none handed
   * out and no back-off, and marks that partition busy until {@link settled}. Undefined when none.
   */
  take(): { partition: number; record: T } | undefined {
    const lanes = [...this.#lanes.values()];
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[(this.#cursor + i) % lanes.length]!;
      if (lane.busy || lane.backingOff || lane.queue.length === 0) continue;
      this.#cursor = (this.#cursor + i + 1) % lanes.length;
      lane.busy = true;
      return { partition: lane.partition, record: lane.queue.shift()! };
    }
    return undefined;
  }

  /** The record handed out for `partition` was settled (of any assignment): the partition may go on. */
  settled(partition: number): void {
    const lane = this.#lanes.get(partition);
    if (lane) lane.busy = false;
  }

  /**
   * A nack of `offset` on `partition`: drops what is buffered (the consumer seeks back to `offset`
   * and reads it again) and holds the partition until {@link endBackoff}.
   */
  startBackoff(partition: number, offset: string): void {
    const lane = this.#lane(partition);
    lane.queue = [];
    lane.backingOff = true;
    lane.next = BigInt(offset);
  }

  /** The nack back-off of `partition` ended: records from its seek position are accepted again. */
  endBackoff(partition: number): void {
    const lane = this.#lanes.get(partition);
    if (lane) lane.backingOff = false;
  }

  /** The consumer seeks `partition` to `offset` (not a nack): drops what is buffered. */
  seeked(partition: number, offset: string): void {
    const lane = this.#lane(partition);
    lane.queue = [];
    lane.next = BigInt(offset);
  }

  /**
   * The group rebalanced (or is about to): drops every buffer, back-off and expected offset, and
   * forgets idle partitions. A record still with the handler keeps its partition busy, so the new
   * assignment does not hand out that partition's records before it is settled. Every partition is
   * then unpaused (the caller resumes the whole topic).
   */
  reset(): void {
    for (const [partition, lane] of this.#lanes) {
      if (!lane.busy) {
        this.#lanes.delete(partition);
        continue;
      }
      lane.queue = [];
      lane.backingOff = false;
      lane.paused = false;
      lane.next = undefined;
    }
  }

  /** Drops every buffer (closing). */
  clear(): void {
    for (const lane of this.#lanes.values()) lane.queue = [];
  }

  /**
   * Whether the consumer should have `partition` paused now: during a back-off, or while its buffer
   * is full (from `highWater` buffered until it is down to `lowWater`).
   */
  wantsPause(partition: number): boolean {
    const lane = this.#lanes.get(partition);
    if (lane === undefined) return false;
    if (lane.backingOff) return true;
    return lane.paused
      ? lane.queue.length > this.#options.lowWater
      : lane.queue.length >= this.#options.highWater;
  }

  /** Whether the consumer was last told to pause `partition` (see {@link markPaused}). */
  isPaused(partition: number): boolean {
    return this.#lanes.get(partition)?.paused ?? false;
  }

  /** Records what the consumer was told for `partition`. */
  markPaused(partition: number, paused: boolean): void {
    const lane = this.#lanes.get(partition);
    if (lane) lane.paused = paused;
  }

  /** Records buffered for `partition`. */
  buffered(partition: number): number {
    return this.#lanes.get(partition)?.queue.length ?? 0;
  }

  /** Whether a record of `partition` is with the handler. */
  isBusy(partition: number): boolean {
    return this.#lanes.get(partition)?.busy ?? false;
  }

  #lane(partition: number): Lane<T> {
    let lane = this.#lanes.get(partition);
    if (lane === undefined) {
      lane = { partition, queue: [], busy: false, backingOff: false, paused: false, next: undefined };
      this.#lanes.set(partition, lane);
    }
    return lane;
  }
}
