/**
 * Per-partition bookkeeping of delivered and acked Kafka offsets, deciding what may be committed.
 *
 * Pure and synchronous: no kafkajs, no timers. The subscription feeds it every delivery, ack and nack
 * of one topic; it answers with the offset that is safe to commit for each partition, which is the
 * offset *after* the highest acked offset that has no unacked or nacked delivery before it. It never
 * moves past an offset that was delivered and not acked, so a crash after a commit loses nothing.
 */

/** One commit a {@link OffsetTracker} proposes for a partition. */
export interface PartitionCommit {
  readonly partition: number;
  /** Next offset to read (Kafka's committed offset semantics), as a decimal string. */
  readonly offset: string;
  /** One past the highest offset handed to a handler in this assignment, as a decimal string. */
  readonly deliveredUpTo: string;
}

interface PartitionState {
  /** Offsets handed out and not yet folded into `next`, in delivery order. */
  pending: bigint[];
  /** Acked members of `pending`. */
  acked: Set<bigint>;
  /** Next offset to commit: one past the contiguous acked prefix (or the first delivered offset). */
  next: bigint;
  /** One past the highest offset ever delivered in this assignment. */
  deliveredUpTo: bigint;
  /** Offsets below this were delivered by an earlier owner (commit metadata): attempt >= 2. */
  previouslyDeliveredUpTo: bigint;
  /** Nacks per offset, for the attempt number of the redelivery. */
  nacks: Map<bigint, number>;
}

/**
 * Tracks offsets of one topic for one consumer-group member. Not thread-shared; cheap per call.
 * Forget a partition with {@link revoke} (or every partition with {@link reset}) when the group
 * rebalances: its later acks are then ignored, so this member never commits for a partition it
 * no longer owns.
 */
export class OffsetTracker {
  readonly #partitions = new Map<number, PartitionState>();
  readonly #hints = new Map<number, bigint>();

  /**
   * Records that `offset` of `partition` is handed to a handler and returns its attempt number
   * (1 on the first delivery, +1 per nack of that offset, at least 2 when an earlier owner of the
   * partition already delivered it). A redelivery of an offset at or below one already pending
   * drops that offset and every later pending one (they come again, in order).
   */
  delivered(partition: number, offset: string | bigint): number {
    const at = BigInt(offset);
    let state = this.#partitions.get(partition);
    if (state === undefined) {
      state = {
        pending: [],
        acked: new Set(),
        next: at,
        deliveredUpTo: at,
        previouslyDeliveredUpTo: this.#hints.get(partition) ?? -1n,
        nacks: new Map(),
      };
      this.#partitions.set(partition, state);
    }
    if (at < state.next) {
      // Re-read below what is already committable (a seek back past acked offsets): start over there.
      state.next = at;
      state.pending = [];
      state.acked.clear();
    } else {
      this.#dropFrom(state, at);
    }
    state.pending.push(at);
    if (at + 1n > state.deliveredUpTo) state.deliveredUpTo = at + 1n;
    const nacked = state.nacks.get(at) ?? 0;
    const earlier = at < state.previouslyDeliveredUpTo ? 2 : 1;
    return Math.max(nacked + 1, earlier);
  }

  /** Marks a delivered offset acked. Unknown offsets (revoked, already folded, never delivered) are ignored. */
  ack(partition: number, offset: string | bigint): void {
    const state = this.#partitions.get(partition);
    if (state === undefined) return;
    const at = BigInt(offset);
    if (!state.pending.includes(at)) return;
    state.acked.add(at);
    while (state.pending.length > 0 && state.acked.has(state.pending[0]!)) {
      const head = state.pending.shift()!;
      state.acked.delete(head);
      state.nacks.delete(head);
      state.next = head + 1n;
    }
  }

  /**
   * Marks a delivered offset nacked: it and every offset delivered after it on the partition are
   * dropped from the pending list (the consumer seeks back and reads them again), and its nack count
   * rises. The committable offset never passes it.
   */
  nack(partition: number, offset: string | bigint): void {
    const state = this.#partitions.get(partition);
    if (state === undefined) return;
    const at = BigInt(offset);
    if (!state.pending.includes(at)) return;
    state.nacks.set(at, (state.nacks.get(at) ?? 0) + 1);
    this.#dropFrom(state, at);
  }

  /**
   * The offset safe to commit for `partition` (one past the highest contiguous acked offset, or the
   * first delivered offset when nothing is acked yet), or `undefined` when nothing was delivered.
   */
  committable(partition: number): string | undefined {
    return this.#partitions.get(partition)?.next.toString();
  }

  /** Committable offsets of every tracked partition (optionally only those in `owned`). */
  commits(owned?: ReadonlySet<number>): PartitionCommit[] {
    const out: PartitionCommit[] = [];
    for (const [partition, state] of this.#partitions) {
      if (owned !== undefined && !owned.has(partition)) continue;
      out.push({ partition, offset: state.next.toString(), deliveredUpTo: state.deliveredUpTo.toString() });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Offsets delivered and not yet acked (nor nacked) on `partition`. */
  unacked(partition: number): string[] {
    const state = this.#partitions.get(partition);
    if (state === undefined) return [];
    return state.pending.filter((o) => !state.acked.has(o)).map((o) => o.toString());
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

  #dropFrom(state: PartitionState, at: bigint): void {
    const index = state.pending.findIndex((o) => o >= at);
    if (index < 0) return;
    for (const dropped of state.pending.splice(index)) state.acked.delete(dropped);
  }
}
