/**
 * Per-partition bookkeeping of delivered and acked Kafka offsets, deciding what may be committed.
 *
 * Pure and synchronous: no kafkajs, no timers. The subscription feeds it every record it buffers
 * (received, in offset order), every delivery, ack and nack of one topic; it answers with the offset
 * that is safe to commit for each partition: the offset *after* the highest acked offset that has no
 * received-but-unacked record before it. It never moves past a record that was received and not
 * acked (still buffered, with a handler, or nacked), so a crash after a commit loses nothing.
 *
 * Records of one partition may be handled concurrently and out of offset order (different keys), so
 * deliveries and acks arrive in any order, and a nacked record is redelivered in place (from memory)
 * while later offsets go on: a nacked offset stays pending, holding the committable offset back,
 * until its redelivery is acked.
 */

/** One commit a {@link OffsetTracker} proposes for a partition. */
export interface PartitionCommit {
  readonly partition: number;
  /** Next offset to read (Kafka's committed offset semantics), as a decimal string. */
  readonly offset: string;
  /** One past the highest offset handed to a handler in this assignment, as a decimal string. */
  readonly deliveredUpTo: string;
}

/**
 * Where a pending offset stands: buffered and not yet delivered, with a handler, acked (not yet
 * folded), or nacked (awaiting redelivery).
 */
type OffsetStatus = 'waiting' | 'out' | 'acked' | 'nacked';

/** One received offset not yet folded into the committable offset. */
interface Pending {
  readonly offset: bigint;
  /** The offset as a canonical decimal string: the lookup key (kafkajs hands the same string back). */
  readonly key: string;
  status: OffsetStatus;
}

/** Put where a folded entry was in `order`, so it can be collected before the array is compacted. */
const FOLDED: Pending = { offset: -1n, key: '', status: 'acked' };

interface PartitionState {
  /** Offsets received and not yet folded into `next`, ascending; `head` is the first live index. */
  order: Pending[];
  head: number;
  /** Every member of `order` from `head` on, by key. */
  byKey: Map<string, Pending>;
  /** Next offset to commit: one past the contiguous acked prefix (or the first received offset). */
  next: bigint;
  /** The highest offset ever delivered in this assignment (one below the first received at first). */
  lastDelivered: bigint;
  /** Offsets below this were delivered by an earlier owner (commit metadata): attempt >= 2. */
  previouslyDeliveredUpTo: bigint;
  /** Nacks per pending offset (by key), for the attempt number of its redelivery. */
  nacks: Map<string, number>;
}

/**
 * The lookup key of an offset: its canonical decimal string. kafkajs gives canonical strings (used as
 * they are, so their cached hash serves every lookup without parsing); a bigint or a string with a
 * leading zero or a sign is normalised (an invalid one throws a SyntaxError, as BigInt does).
 */
function offsetKey(offset: string | bigint): string {
  if (typeof offset === 'bigint') return offset.toString();
  const first = offset.charCodeAt(0);
  if ((first >= 49 && first <= 57) || (first === 48 && offset.length === 1)) return offset;
  return BigInt(offset).toString();
}

/**
 * Tracks offsets of one topic for one consumer-group member. Not thread-shared; cheap per call
 * (O(1) amortised per delivery, ack and nack). Forget a partition with {@link revoke} (or every
 * partition with {@link reset}) when the group rebalances: its later acks are then ignored, so this
 * member never commits for a partition it no longer owns.
 */
export class OffsetTracker {
  readonly #partitions = new Map<number, PartitionState>();
  readonly #hints = new Map<number, bigint>();

  /**
   * Records that `offset` of `partition` was read and is buffered for delivery: the committable offset
   * cannot pass it until it is delivered and acked. Offsets arrive in ascending order; an offset at or
   * below the highest pending one, or below the committable offset, is a re-read (the consumer went
   * back): that offset and every later pending one are forgotten (their acks no longer count) and
   * tracking restarts there.
   */
  received(partition: number, offset: string | bigint): void {
    this.#receive(partition, BigInt(offset), offsetKey(offset));
  }

  /**
   * Records that `offset` of `partition` is handed to a handler and returns its attempt number
   * (1 on the first delivery, +1 per nack of that offset, at least 2 when an earlier owner of the
   * partition delivered up to or past it). Offsets may be delivered in any order. Delivering a
   * received offset that is not acked (buffered, out or nacked) changes nothing else; any other
   * offset is {@link received} first (so a re-read is handled as such).
   */
  delivered(partition: number, offset: string | bigint): number {
    const key = offsetKey(offset);
    let state = this.#partitions.get(partition);
    let entry = state?.byKey.get(key);
    if (entry === undefined || entry.status === 'acked') {
      entry = this.#receive(partition, BigInt(key), key);
      state = this.#partitions.get(partition)!;
    }
    entry.status = 'out';
    if (entry.offset > state!.lastDelivered) state!.lastDelivered = entry.offset;
    const nacked = state!.nacks.size === 0 ? 0 : (state!.nacks.get(key) ?? 0);
    const earlier = entry.offset < state!.previouslyDeliveredUpTo ? 2 : 1;
    return Math.max(nacked + 1, earlier);
  }

  /**
   * Marks a delivered offset acked and folds the contiguous acked prefix into the committable offset.
   * Unknown offsets (revoked, already folded, never delivered) and offsets awaiting redelivery after a
   * nack are ignored.
   */
  ack(partition: number, offset: string | bigint): void {
    const state = this.#partitions.get(partition);
    if (state === undefined) return;
    const entry = state.byKey.get(offsetKey(offset));
    if (entry === undefined || entry.status !== 'out') return;
    entry.status = 'acked';
    const { order, byKey, nacks } = state;
    let folded: Pending | undefined;
    while (state.head < order.length && order[state.head]!.status === 'acked') {
      folded = order[state.head]!;
      order[state.head] = FOLDED;
      state.head++;
      byKey.delete(folded.key);
      if (nacks.size > 0) nacks.delete(folded.key);
    }
    if (folded !== undefined) state.next = folded.offset + 1n;
    this.#compact(state);
  }

  /**
   * Marks a delivered offset nacked: it stays pending (the committable offset never passes it) until
   * it is delivered again ({@link delivered} then counts the attempt) and acked. Later offsets are
   * untouched: records of other keys go on. Unknown or already settled offsets are ignored.
   */
  nack(partition: number, offset: string | bigint): void {
    const state = this.#partitions.get(partition);
    if (state === undefined) return;
    const key = offsetKey(offset);
    const entry = state.byKey.get(key);
    if (entry === undefined || entry.status !== 'out') return;
    entry.status = 'nacked';
    state.nacks.set(key, (state.nacks.get(key) ?? 0) + 1);
  }

  /**
   * The offset safe to commit for `partition` (one past the highest contiguous acked offset, or the
   * first received offset when nothing is acked yet), or `undefined` when nothing was received.
   */
  committable(partition: number): string | undefined {
    return this.#partitions.get(partition)?.next.toString();
  }

  /**
   * Offsets of `partition` received and not yet folded into the committable offset (buffered ones,
   * and acked ones behind an unacked one, included): what a crash would read again, and what this
   * tracker holds in memory for the partition.
   */
  pending(partition: number): number {
    const state = this.#partitions.get(partition);
    return state === undefined ? 0 : state.order.length - state.head;
  }

  /** Committable offsets of every tracked partition (optionally only those in `owned`). */
  commits(owned?: ReadonlySet<number>): PartitionCommit[] {
    const out: PartitionCommit[] = [];
    for (const [partition, state] of this.#partitions) {
      if (owned !== undefined && !owned.has(partition)) continue;
      out.push({
        partition,
        offset: state.next.toString(),
        deliveredUpTo: (state.lastDelivered + 1n).toString(),
      });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Offsets of `partition` delivered and not acked: with a handler, or nacked and awaiting redelivery. */
  unacked(partition: number): string[] {
    const state = this.#partitions.get(partition);
    if (state === undefined) return [];
    const out: string[] = [];
    for (let i = state.head; i < state.order.length; i++) {
      const { key, status } = state.order[i]!;
      if (status === 'out' || status === 'nacked') out.push(key);
    }
    return out;
  }

  /**
   * Tells the tracker that an earlier owner delivered every offset below `deliveredUpTo` on
   * `partition` (read from commit metadata), so redeliveries of those report attempt >= 2.
   */
  hintPreviouslyDelivered(partition: number, deliveredUpTo: string | bigint): void {
    const value = BigInt(deliveredUpTo);
    this.#hints.set(partition, value);
    const state = this.#partitions.get(partition);
    if (state !== undefined && value > state.previouslyDeliveredUpTo) state.previouslyDeliveredUpTo = value;
  }

  /** Forgets `partition` (revoked): its later acks and nacks are ignored. */
  revoke(partition: number): void {
    this.#partitions.delete(partition);
    this.#hints.delete(partition);
  }

  /** Forgets every partition (the group rebalanced; kafkajs restarts from committed offsets). */
  reset(): void {
    this.#partitions.clear();
    this.#hints.clear();
  }

  /** Partitions currently tracked. */
  get partitions(): number[] {
    return [...this.#partitions.keys()].sort((a, b) => a - b);
  }

  /**
   * Records a received offset (see {@link received}) and returns its entry. Offsets arrive in
   * ascending order; a re-read at or below the highest pending one, or below `next`, forgets that
   * offset and every later pending one first.
   */
  #receive(partition: number, at: bigint, key: string): Pending {
    let state = this.#partitions.get(partition);
    if (state === undefined) {
      state = {
        order: [],
        head: 0,
        byKey: new Map(),
        next: at,
        lastDelivered: at - 1n,
        previouslyDeliveredUpTo: this.#hints.get(partition) ?? -1n,
        nacks: new Map(),
      };
      this.#partitions.set(partition, state);
    }
    if (at < state.next) {
      state.next = at;
      this.#dropFrom(state, at);
    } else if (state.order.length > state.head && at <= state.order[state.order.length - 1]!.offset) {
      this.#dropFrom(state, at);
    }
    const entry: Pending = { offset: at, key, status: 'waiting' };
    state.order.push(entry);
    state.byKey.set(key, entry);
    return entry;
  }

  /** Forgets pending offsets from `at` on (a re-read delivers them again; nack counts are kept). */
  #dropFrom(state: PartitionState, at: bigint): void {
    const { order } = state;
    while (order.length > state.head && order[order.length - 1]!.offset >= at) {
      const dropped = order.pop()!;
      state.byKey.delete(dropped.key);
    }
    this.#compact(state);
  }

  /** Releases the folded front of `order` once it is most of the array. */
  #compact(state: PartitionState): void {
    if (state.head === state.order.length) {
      state.order = [];
      state.head = 0;
    } else if (state.head > 1024 && state.head * 2 > state.order.length) {
      state.order = state.order.slice(state.head);
      state.head = 0;
    }
  }
}
