import { KeyedQueue, type QueueEntry } from '@polybus/core/adapter-kit';

/**
 * Per-partition buffers between kafkajs's fetch loop and the handler, deciding what is dispatched
 * next and when a partition's fetching should pause or resume.
 *
 * Pure and synchronous: no kafkajs, no timers. The subscription offers every fetched record with its
 * key ({@link PartitionLanes.offer}), takes records to dispatch ({@link PartitionLanes.take}, round
 * robin over partitions) and gives each taken record back exactly once: settled, or requeued after a
 * nack. Inside a partition, records are ordered per key (a {@link KeyedQueue} per partition): at most
 * one record of a key is out at a time and records of one key go out in offset order, a requeued one
 * before every later record of its key; records of other keys and unkeyed records pass a key that is
 * out. The same offset is never out twice, not even across a rebalance.
 */

/** A fetched record: anything with a Kafka offset (decimal string). */
export interface LaneRecord {
  readonly offset: string;
}

/** A record handed out by {@link PartitionLanes.take}; give it back once, to `settled` or `requeue`. */
export interface TakenRecord<T extends LaneRecord> {
  readonly partition: number;
  readonly record: T;
}

/** Buffer bounds of {@link PartitionLanes}. */
export interface PartitionLanesOptions {
  /** Records buffered per partition at which it counts as full (>= 1). */
  readonly highWater: number;
  /** A partition paused while full asks to resume once at most this many are buffered. */
  readonly lowWater: number;
}

interface Lane<T extends LaneRecord> {
  readonly partition: number;
  readonly queue: KeyedQueue<T>;
  /** Records taken and not yet settled or requeued (of this or an earlier generation). */
  out: number;
  /** What the consumer was last told (pause = true). */
  paused: boolean;
  /** Highest offset accepted so far (or one below a seek target); those at or below it are replays. */
  last: bigint | undefined;
  /** Bumped whenever the buffer is dropped: a record taken before cannot be requeued into it. */
  generation: number;
}

interface Ticket<T extends LaneRecord> extends TakenRecord<T> {
  readonly lane: Lane<T>;
  readonly entry: QueueEntry<T>;
  readonly generation: number;
  done: boolean;
}

/**
 * The key a record is ordered by inside its partition: its Kafka key, or for an unkeyed record its
 * own offset (so it waits for nothing but is never out twice). The offset string is used as it is (no
 * new string per record); a Kafka key gets a `=` prefix, which no offset has, so the two never meet.
 */
function orderKey(key: string | undefined, offset: string): string {
  return key === undefined ? offset : `=${key}`;
}

/** Per-partition queues of one subscription. Not shared; cheap per call. */
export class PartitionLanes<T extends LaneRecord> {
  readonly #options: PartitionLanesOptions;
  readonly #lanes = new Map<number, Lane<T>>();
  /** The lanes in turn order (same members as `#lanes`). */
  #order: Lane<T>[] = [];
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

  /** The bounds given at construction. */
  get options(): PartitionLanesOptions {
    return this.#options;
  }

  /**
   * Buffers a fetched record of `partition` ordered by `key` (undefined: unkeyed) and returns true,
   * or returns false (dropped) when the record is below the next expected offset: a replay of one
   * already buffered or handed out. Never refuses for a full buffer: check {@link isFull} first.
   */
  offer(partition: number, record: T, key: string | undefined): boolean {
    const lane = this.#lane(partition);
    const at = BigInt(record.offset);
    if (lane.last !== undefined && at <= lane.last) return false;
    lane.queue.push(record, orderKey(key, record.offset));
    lane.last = at;
    return true;
  }

  /**
   * Takes a record of the next partition (round robin) that has one whose key is not out: the
   * oldest such record of that partition. Undefined when none can go out now.
   */
  take(): TakenRecord<T> | undefined {
    const lanes = this.#order;
    for (let i = 0; i < lanes.length; i++) {
      const index = (this.#cursor + i) % lanes.length;
      const lane = lanes[index]!;
      if (lane.queue.size === 0) continue;
      const entry = lane.queue.take();
      if (entry === undefined) continue;
      this.#cursor = (index + 1) % lanes.length;
      lane.out++;
      const ticket: Ticket<T> = {
        partition: lane.partition,
        record: entry.value,
        lane,
        entry,
        generation: lane.generation,
        done: false,
      };
      return ticket;
    }
    return undefined;
  }

  /**
   * The taken record is done (acked, or given up because its partition restarts from the committed
   * offset): its key may go out again. A second give-back of the same record does nothing.
   */
  settled(taken: TakenRecord<T>): void {
    const ticket = taken as Ticket<T>;
    if (ticket.done) return;
    ticket.done = true;
    ticket.lane.out--;
    ticket.lane.queue.release(ticket.entry);
  }

  /**
   * The taken record was nacked and its retry delay is over: it goes back in front of every later
   * record of its key and returns true. Returns false (and only releases its key) when the buffer
   * was dropped since it was taken (a seek, rebalance or close: the record comes again from the
   * consumer, or not at all). A second give-back of the same record does nothing (false).
   */
  requeue(taken: TakenRecord<T>): boolean {
    const ticket = taken as Ticket<T>;
    if (ticket.done) return false;
    ticket.done = true;
    ticket.lane.out--;
    if (ticket.generation !== ticket.lane.generation) {
      ticket.lane.queue.release(ticket.entry);
      return false;
    }
    ticket.lane.queue.requeue(ticket.entry);
    return true;
  }

  /** The consumer seeks `partition` to `offset`: drops what is buffered; records out stay out. */
  seeked(partition: number, offset: string): void {
    const lane = this.#lane(partition);
    lane.queue.clear();
    lane.generation++;
    lane.last = BigInt(offset) - 1n;
  }

  /**
   * The group rebalanced (or is about to): drops every buffer and expected offset, and forgets idle
   * partitions. A record still out keeps its key (or, unkeyed, its offset) held, so the new
   * assignment does not hand out a record of that key, or that record again, before it is given
   * back. Every partition counts as unpaused afterwards (the caller resumes the whole topic).
   */
  reset(): void {
    for (const [partition, lane] of this.#lanes) {
      if (lane.out === 0) {
        this.#lanes.delete(partition);
        continue;
      }
      lane.queue.clear();
      lane.generation++;
      lane.paused = false;
      lane.last = undefined;
    }
    this.#order = [...this.#lanes.values()];
    this.#cursor = 0;
  }

  /** Drops every buffer (closing); records out may still be given back. */
  clear(): void {
    for (const lane of this.#lanes.values()) {
      lane.queue.clear();
      lane.generation++;
    }
  }

  /** Whether `partition` holds `highWater` or more records buffered (not counting those out). */
  isFull(partition: number): boolean {
    return this.buffered(partition) >= this.#options.highWater;
  }

  /** Whether `partition` is paused and has drained to `lowWater`: the consumer should resume it. */
  wantsResume(partition: number): boolean {
    const lane = this.#lanes.get(partition);
    if (lane === undefined || !lane.paused) return false;
    return lane.queue.size <= this.#options.lowWater;
  }

  /**
   * Whether `partition` has drained to `lowWater` (paused or not): a fetch waiting for room should go
   * on now. Waiting for this rather than the first free place lets it add records in bulk.
   */
  wantsRefill(partition: number): boolean {
    return this.buffered(partition) <= this.#options.lowWater;
  }

  /** Whether the consumer was last told to pause `partition` (see {@link markPaused}). */
  isPaused(partition: number): boolean {
    return this.#lanes.get(partition)?.paused ?? false;
  }

  /** Records what the consumer was told for `partition`. */
  markPaused(partition: number, paused: boolean): void {
    this.#lane(partition).paused = paused;
  }

  /** Whether the consumer was told to pause any partition (cheap; no allocation). */
  get anyPaused(): boolean {
    for (const lane of this.#order) if (lane.paused) return true;
    return false;
  }

  /** Partitions the consumer was told to pause. */
  pausedPartitions(): number[] {
    return this.#order.filter((lane) => lane.paused).map((lane) => lane.partition);
  }

  /** Records buffered for `partition` (requeued ones included, those out not). */
  buffered(partition: number): number {
    return this.#lanes.get(partition)?.queue.size ?? 0;
  }

  /** Records of `partition` taken and not yet given back. */
  outstanding(partition: number): number {
    return this.#lanes.get(partition)?.out ?? 0;
  }

  #lane(partition: number): Lane<T> {
    let lane = this.#lanes.get(partition);
    if (lane === undefined) {
      lane = { partition, queue: new KeyedQueue(), out: 0, paused: false, last: undefined, generation: 0 };
      this.#lanes.set(partition, lane);
      this.#order.push(lane);
    }
    return lane;
  }
}
