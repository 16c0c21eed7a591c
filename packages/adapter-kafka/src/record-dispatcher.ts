import type { Address, DeliveryHandler, Logger } from '@polybus/core';
import type { DeliveryTracker } from '@polybus/core/adapter-kit';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { AssignmentState } from './assignment-state.js';
import { fromKafkaRecord } from './kafka-record.js';
import { NackHolds } from './nack-holds.js';
import type { OffsetTracker } from './offset-tracker.js';
import { PartitionLanes, type TakenRecord } from './partition-lanes.js';
import { RecordDelivery, type RecordSettler } from './record-delivery.js';
import { RoomWaiters } from './room-waiters.js';

/** Fewest records buffered per partition before it counts as full (more with a larger maxInFlight). */
const MIN_LANE_HIGH_WATER = 32;
/**
 * Fewest records of one partition that may be delivered and not yet committable (acked records behind
 * an unacked or nacked one count): past this the partition takes no new records until the commit
 * moves. Bounds memory and what a crash redelivers while one key is stuck (more with a larger lane).
 */
const MIN_PENDING_PER_PARTITION = 10_000;

/** The key a record is ordered by: its key bytes, exactly (latin1 maps every byte to one char). */
function orderKeyOf(message: KafkaMessage): string | undefined {
  return message.key === null || message.key === undefined ? undefined : message.key.toString('latin1');
}

/** What a {@link RecordDispatcher} works with (all owned by its subscription). */
export interface RecordDispatcherInit {
  readonly consumer: Consumer;
  readonly topic: string;
  readonly address: Address;
  /** The user's group name, absent for a private ephemeral subscription (goes into `source`). */
  readonly group: string | undefined;
  readonly handler: DeliveryHandler;
  readonly tracker: DeliveryTracker;
  readonly offsets: OffsetTracker;
  readonly assignment: AssignmentState;
  readonly logger: Logger;
  /** Delay of a nack that gives none. */
  readonly nackBackoffMs: number;
  /** Longest one batch waits for room in its partition's buffer before the partition is paused. */
  readonly roomWaitMs: number;
  /** True once the subscription is closing: take and hand out nothing more. */
  stopping(): boolean;
  /** Resolves once the current assignment's floors and delivery hints are loaded. */
  assignmentReady(): Promise<void>;
  /** A record was acked in the current generation (commit soon). */
  acked(): void;
}

/**
 * Intake and dispatch of one consumer-group member: kafkajs's fetch loop (`eachBatch`, every partition
 * in its own worker) only fills a bounded buffer per partition ({@link PartitionLanes}); records are
 * handed to the handler from there, up to the tracker's `maxInFlight` at once, in order per key:
 * records of one key one at a time in offset order, other keys and unkeyed records concurrently. An
 * unsettled delivery, a slow handler or a nack delay holds back only its own key.
 *
 * Backpressure: a batch whose partition buffer is full waits until it drained to a quarter (so it then
 * adds records in bulk), at most `roomWaitMs` per batch; a partition still full then is paused and
 * resumed once its buffer drains to a quarter. Waiting first matters: kafkajs only notices a resume at
 * its next fetch, up to `fetchMaxWaitMs` later, so pausing for every momentarily full buffer would idle
 * a busy partition. A nack holds the record's key for the delay, then puts the record back in front of
 * the later records of its key (no seek). Acks and nacks of an older generation only free their key.
 */
export class RecordDispatcher {
  readonly #init: RecordDispatcherInit;
  readonly #lanes: PartitionLanes<KafkaMessage>;
  /** Most records of a partition delivered and not yet committable before it takes no new ones. */
  readonly #maxPending: number;
  /** Nacked records waiting out their delay (their keys stay held). */
  readonly #holds: NackHolds<TakenRecord<KafkaMessage>>;
  /** The batch of a partition waiting for room in its buffer, woken by {@link schedule}. */
  readonly #roomWaiters = new RoomWaiters();
  #scheduling = false;

  constructor(init: RecordDispatcherInit) {
    this.#init = init;
    const highWater = Math.max(MIN_LANE_HIGH_WATER, init.tracker.maxInFlight);
    this.#lanes = new PartitionLanes({ highWater, lowWater: Math.floor(highWater / 4) });
    this.#maxPending = Math.max(MIN_PENDING_PER_PARTITION, 4 * highWater);
    this.#holds = new NackHolds((taken) => {
      this.#lanes.requeue(taken);
      this.schedule();
    });
  }

  /**
   * kafkajs's `eachBatch` (one worker per partition): buffers the batch's records in their partition's
   * lane and returns, so the fetch loop (and kafkajs's heartbeats) never wait for a handler. When the
   * lane is full it waits for room, at most `roomWaitMs` for the whole batch; still full then, the
   * partition is paused and the batch left there. Only the offsets of records it buffered (or dropped
   * as replays) are resolved, so kafkajs reads the rest again once the partition is resumed.
   */
  async onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { assignment } = this.#init;
    if (this.#init.stopping()) return this.#pauseAll();
    const { topic, partition } = batch;
    const generation = assignment.generation;
    await this.#init.assignmentReady();
    // The member is closing, a rebalance started (kafkajs restarts every partition from its committed
    // offset after it) or happened while waiting: stop here. Checked before every record (a handler
    // may close the subscription synchronously).
    const ownStale = (): boolean => this.#init.stopping() || !assignment.isCurrent(generation, partition);
    // Also kafkajs stopped or was told to seek. kafkajs changes these only in its own tasks (or in a
    // seek/pause of ours, after which this batch returns), never during the synchronous run of this
    // loop, so they are read at the start and after every wait, not per record (isStale
    // JSON-encodes a key per call).
    const stale = (): boolean => !isRunning() || isStale() || ownStale();
    if (stale()) return;
    // Committed offset read at assignment (fixed for this generation). Offsets of a batch ascend, so
    // once one record is at or past it the rest are too.
    const floor = assignment.floorOf(partition);
    let belowFloorPossible = floor !== undefined;
    let resolved: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    try {
      for (const message of batch.messages) {
        if (ownStale()) return;
        if (belowFloorPossible) {
          if (BigInt(message.offset) < floor!) {
            // kafkajs applies a seek issued before a rebalance (the start offset's) when the partition
            // comes back: never redeliver below what the group committed since; jump to it instead.
            if (assignment.claimFloorSeek(partition)) {
              this.#lanes.seeked(partition, floor!.toString());
              this.#init.consumer.seek({ topic, partition, offset: floor!.toString() });
            }
            return;
          }
          belowFloorPossible = false;
        }
        if (!this.#hasRoom(partition)) {
          timer ??= setTimeout(() => {
            expired = true;
            this.#roomWaiters.wake(partition);
          }, this.#init.roomWaitMs);
          // Woken only once the buffer drained to lowWater (see schedule), so the batch then fills it
          // in one go instead of waking, adding one record and waiting again per settle.
          while (!expired && !stale() && !this.#hasRoom(partition)) await this.#roomWaiters.wait(partition);
          if (stale()) return;
          if (!this.#hasRoom(partition)) {
            this.#setPaused(partition, true);
            return;
          }
        }
        // A record of another key may go out before this one: the commit must not pass it meanwhile.
        if (this.#lanes.offer(partition, message, orderKeyOf(message))) {
          this.#init.offsets.received(partition, message.offset);
        }
        resolved = message.offset;
        // Only to hand it out: a new record never lets a paused partition resume or wakes a waiter.
        if (this.#init.tracker.freeSlots > 0) this.schedule();
      }
    } finally {
      clearTimeout(timer);
      if (resolved !== undefined) resolveOffset(resolved);
    }
  }

  /**
   * Hands buffered records to the handler while the tracker has free slots (partitions in turn, per
   * key in order), then resumes paused partitions that drained and wakes batches waiting for room
   * whose partition drained to `lowWater` (not at the first free place: that would wake a batch once
   * per settled record). Runs after every buffered record, settlement and end of a nack delay; never
   * blocks; does nothing while stopping or rebalancing.
   */
  schedule(): void {
    if (this.#scheduling) return;
    this.#scheduling = true;
    try {
      if (this.#init.stopping() || this.#init.assignment.rebalancing) return;
      while (this.#init.tracker.freeSlots > 0) {
        const next = this.#lanes.take();
        if (next === undefined) break;
        this.#deliver(next);
      }
      if (this.#lanes.anyPaused) {
        for (const partition of this.#lanes.pausedPartitions()) {
          if (this.#lanes.wantsResume(partition) && this.#hasRoom(partition))
            this.#setPaused(partition, false);
        }
      }
      if (this.#roomWaiters.size > 0) {
        this.#roomWaiters.wakeWhere((p) => this.#lanes.wantsRefill(p) && this.#hasRoom(p));
      }
    } finally {
      this.#scheduling = false;
    }
  }

  /**
   * Drops every buffered record and nack delay (the group rebalances: all restarts from the committed
   * offsets). A delivery still unsettled keeps its key (or, unkeyed, its offset) waiting, so this
   * member never has two records of a key out at once. Wakes every waiting batch (they re-check why).
   */
  dropBuffered(): void {
    this.#releaseHolds();
    this.#lanes.reset();
    this.#roomWaiters.wakeWhere();
  }

  /** The subscription is closing: cancels nack delays, empties the buffers, wakes waiting batches. */
  stop(): void {
    this.#releaseHolds();
    this.#lanes.clear();
    this.#roomWaiters.wakeWhere();
  }

  /** Whether `partition` may buffer another record: lane below highWater and not too many pending. */
  #hasRoom(partition: number): boolean {
    return !this.#lanes.isFull(partition) && this.#init.offsets.pending(partition) < this.#maxPending;
  }

  #pauseAll(): void {
    try {
      this.#init.consumer.pause([{ topic: this.#init.topic }]);
    } catch {
      // consumer stopping
    }
  }

  /** Stops (or resumes) kafkajs reading `partition`; {@link schedule} resumes a paused one that drained. */
  #setPaused(partition: number, paused: boolean): void {
    const target = [{ topic: this.#init.topic, partitions: [partition] }];
    try {
      if (paused) this.#init.consumer.pause(target);
      else this.#init.consumer.resume(target);
      this.#lanes.markPaused(partition, paused);
    } catch (error) {
      this.#init.logger.debug(
        { err: error, partition, paused },
        'kafka: could not pause or resume a partition',
      );
    }
  }

  #deliver(taken: TakenRecord<KafkaMessage>): void {
    const { partition, record: message } = taken;
    const { address, group, topic } = this.#init;
    const attempt = this.#init.offsets.delivered(partition, message.offset);
    const redelivered = attempt > 1;
    const source =
      group === undefined
        ? { address, partition, offset: message.offset, redelivered }
        : { address, group, partition, offset: message.offset, redelivered };
    this.#init.tracker.dispatch(
      this.#init.handler,
      new RecordDelivery(
        this.#settler,
        taken,
        this.#init.assignment.generation,
        fromKafkaRecord(topic, partition, message),
        attempt,
        source,
      ),
    );
  }

  /** Settles the records of every delivery (one object, not two closures per record). */
  readonly #settler: RecordSettler<TakenRecord<KafkaMessage>> = {
    acked: (taken, generation) => {
      this.#lanes.settled(taken);
      if (generation === this.#init.assignment.generation) {
        this.#init.offsets.ack(taken.partition, taken.record.offset);
        this.#init.acked();
      }
    },
    nacked: (taken, generation, delayMs) => {
      const { assignment } = this.#init;
      const current = generation === assignment.generation;
      // The offset stays pending either way: no commit passes it.
      if (current) this.#init.offsets.nack(taken.partition, taken.record.offset);
      // A rebalance restarts from the committed offset anyway; a closing member reads no more.
      if (!current || assignment.rebalancing || this.#init.stopping()) {
        this.#lanes.settled(taken);
        return;
      }
      this.#hold(taken, delayMs > 0 ? delayMs : this.#init.nackBackoffMs);
    },
  };

  /**
   * Retry in place after a nack: the record's key stays held for `waitMs` (later records of that key
   * wait; other keys and partitions go on), then the record goes back in front of its key and is
   * delivered again with `attempt + 1`. A rebalance or close cancels the wait and releases the key.
   */
  #hold(taken: TakenRecord<KafkaMessage>, waitMs: number): void {
    if (waitMs <= 0) this.#lanes.requeue(taken);
    else this.#holds.hold(taken, waitMs);
  }

  /** Cancels every nack delay and releases the held keys (their records come again, or not at all). */
  #releaseHolds(): void {
    for (const taken of this.#holds.cancelAll()) this.#lanes.settled(taken);
  }
}
