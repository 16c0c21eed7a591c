import {
  type Address,
  backoffDelay,
  type CloseOptions,
  type DeliveryHandler,
  DeliveryTracker,
  delay,
  type Logger,
  once,
  type Subscription,
  TimeoutError,
} from '@polybus/core';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaTransportOptions } from './kafka-options.js';
import { fromKafkaRecord } from './kafka-record.js';
import { OffsetTracker } from './offset-tracker.js';
import { PartitionLanes, type TakenRecord } from './partition-lanes.js';
import { RecordDelivery, type RecordSettler } from './record-delivery.js';

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

/** What a {@link KafkaSubscription} needs from its transport. */
export interface KafkaSubscriptionInit {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  readonly partitionCount: number;
  readonly address: Address;
  /** The Kafka group id (the user's group, or a random private one). */
  readonly groupId: string;
  /** The user's group name, absent for a private ephemeral subscription. */
  readonly group: string | undefined;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly from: 'latest' | 'earliest';
  readonly options: KafkaTransportOptions;
  readonly logger: Logger;
  readonly onClosed: (subscription: KafkaSubscription) => void;
  /** Test hook: called after every successful offset commit with what was committed. */
  readonly onCommit?: (commits: ReadonlyArray<{ partition: number; offset: string }>) => void;
}

interface CommitMetadata {
  deliveredUpTo?: string;
}

/** Reads this adapter's commit metadata; anything else (another client's metadata) gives undefined. */
function parseMetadata(text: string | null | undefined): CommitMetadata | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    const delivered = (value as CommitMetadata | null)?.deliveredUpTo;
    return typeof delivered === 'string' && /^\d+$/.test(delivered)
      ? { deliveredUpTo: delivered }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One Kafka consumer-group member consuming one topic.
 *
 * Ordering and concurrency: kafkajs's fetch loop (`eachBatch`, every partition in its own worker)
 * only fills a bounded buffer per partition ({@link PartitionLanes}); records are handed to the
 * handler from there, up to `maxInFlight` at once, in order per key: records of one key one at a
 * time in offset order, records of other keys and unkeyed records of the same partition
 * concurrently. An unsettled delivery, a slow handler or a nack delay holds back only its own key;
 * other keys and partitions keep being fetched and delivered, and kafkajs keeps heartbeating.
 *
 * Backpressure: a batch whose partition buffer is full waits until it drained to a quarter (so it then
 * adds records in bulk, not one per settled record), at most `min(fetchMaxWaitMs, heartbeatIntervalMs)`
 * per batch; a partition still full then is paused (kafkajs stops reading it) and resumed once its
 * buffer drains to a quarter. Waiting first matters:
 * kafkajs only notices a resume at its next fetch, up to `fetchMaxWaitMs` later, so pausing for every
 * momentarily full buffer would idle a busy partition.
 *
 * Offsets are committed manually (after acks, coalesced; periodically; on rebalance and on close)
 * and only up to the highest contiguous acked offset ({@link OffsetTracker}); commit metadata records
 * how far this member delivered, so a later owner reports `attempt >= 2` for redeliveries. A nack
 * holds the record's key for the delay, then puts the record back in memory in front of the later
 * records of its key (no seek: records of other keys are not read again). Created by
 * {@link KafkaTransport.subscribe}.
 */
export class KafkaSubscription implements Subscription {
  readonly #init: KafkaSubscriptionInit;
  readonly #consumer: Consumer;
  readonly #tracker: DeliveryTracker;
  readonly #offsets = new OffsetTracker();
  readonly #lanes: PartitionLanes<KafkaMessage>;
  /** Most records of a partition delivered and not yet committable before it takes no new ones. */
  readonly #maxPending: number;
  /** Longest one batch waits for room in its partition's buffer before the partition is paused. */
  readonly #roomWaitMs: number;
  /** Nacked records waiting out their delay (their keys stay held), by timer. */
  readonly #holds = new Map<NodeJS.Timeout, TakenRecord<KafkaMessage>>();
  /** The batch of a partition waiting for room in its buffer, woken by {@link #schedule}. */
  readonly #roomWaiters = new Map<number, () => void>();
  #scheduling = false;
  readonly #lastCommitted = new Map<number, string>();
  /** Where a new group starts, per partition without a committed offset (until committed at join). */
  readonly #startOffsets = new Map<number, string>();
  /** Committed offset of each owned partition when it was assigned: nothing below it is dispatched. */
  readonly #floors = new Map<number, bigint>();
  readonly #floorSeeks = new Set<number>();
  #owned = new Set<number>();
  #epoch = 0;
  #rebalancing = false;
  #stopping = false;
  #assignmentReady: Promise<void> = Promise.resolve();
  #commitChain: Promise<void> = Promise.resolve();
  /** A commit asked for by {@link #commitSoon} has not started yet. */
  #commitQueued = false;
  #commitTimer: NodeJS.Timeout | undefined;
  #joined!: () => void;
  readonly #joinedPromise = new Promise<void>((resolve) => {
    this.#joined = resolve;
  });
  #resolveClosed!: (value: Error | undefined) => void;
  /** Resolves when the subscription ended: by `close()` (undefined) or a fatal consumer error. */
  readonly closed = new Promise<Error | undefined>((resolve) => {
    this.#resolveClosed = resolve;
  });

  /** Creates the member; {@link start} joins the group. Does no I/O. */
  constructor(init: KafkaSubscriptionInit) {
    this.#init = init;
    const { options } = init;
    const highWater = Math.max(MIN_LANE_HIGH_WATER, init.maxInFlight);
    this.#lanes = new PartitionLanes({ highWater, lowWater: Math.floor(highWater / 4) });
    this.#maxPending = Math.max(MIN_PENDING_PER_PARTITION, 4 * highWater);
    this.#roomWaitMs = Math.min(options.fetchMaxWaitMs, options.heartbeatIntervalMs);
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onReleased: () => this.#schedule(),
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, topic: init.topic },
          'kafka: handler failed, message nacked',
        ),
    });
    this.#consumer = init.kafka.consumer({
      groupId: init.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
    });
    const { events } = this.#consumer;
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) =>
      this.#onAssigned(payload.memberAssignment[init.topic] ?? []),
    );
    this.#consumer.on(events.REBALANCING, () => {
      // Commit what is safe under the old generation before kafkajs rejoins, then hold commits and
      // dispatching; what is buffered is read again from the committed offsets after the rejoin.
      void this.#commit(true);
      this.#rebalancing = true;
      this.#dropBuffered();
    });
    this.#consumer.on(events.CRASH, ({ payload }) => {
      this.#rebalancing = true;
      this.#dropBuffered();
      init.logger.warn(
        { err: payload.error, topic: init.topic, restart: payload.restart },
        payload.restart ? 'kafka: consumer failed, restarting' : 'kafka: consumer failed',
      );
      if (!payload.restart && !this.#stopping) void this.#shutdown(0, payload.error);
    });
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /**
   * Joins the group and resolves once partitions are assigned. For a new group it reads the start
   * offsets (end of log for `latest`, start for `earliest`) before joining, seeks there on the first
   * assignment and commits them, so nothing published after this resolves is skipped. Rejects
   * (after cleaning up) when the join fails or times out (TimeoutError). Call once.
   */
  async start(): Promise<void> {
    const { options, topic } = this.#init;
    try {
      await this.#withMetadataRetry(() => this.#planStartOffsets());
      await this.#consumer.connect();
      await this.#consumer.subscribe({ topics: [topic], fromBeginning: this.#init.from === 'earliest' });
      await this.#consumer.run({
        autoCommit: false,
        // #onBatch resolves offsets itself: only what it buffered, so a paused batch is read again.
        eachBatchAutoResolve: false,
        // One worker per partition: a batch waiting for room never holds up another partition's batch.
        partitionsConsumedConcurrently: Math.max(1, this.#init.partitionCount),
        eachBatch: (payload) => this.#onBatch(payload),
      });
      let timer: NodeJS.Timeout | undefined;
      const joined = await Promise.race([
        this.#joinedPromise.then(() => true),
        this.closed.then(() => false),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), options.joinTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!joined) {
        throw new TimeoutError(
          `kafka: group "${this.#init.groupId}" did not assign partitions of "${topic}" in time`,
        );
      }
      await this.#commitStartOffsets();
      this.#commitTimer = setInterval(() => void this.#commit(false), options.commitIntervalMs);
      this.#commitTimer.unref();
    } catch (error) {
      await this.#shutdown(0, undefined);
      throw error;
    }
  }

  /** See {@link Subscription.close}: drains, commits the contiguous acked offsets, leaves the group. */
  readonly close = (options: CloseOptions = {}): Promise<void> =>
    this.#shutdown(options.timeoutMs ?? 30_000, undefined);

  readonly #shutdown = once(async (timeoutMs: number, fatal: Error | undefined): Promise<void> => {
    this.#stopping = true;
    clearInterval(this.#commitTimer);
    try {
      this.#consumer.pause([{ topic: this.#init.topic }]);
    } catch {
      // not running yet
    }
    this.#releaseHolds();
    this.#lanes.clear();
    this.#wakeRoomWaiters(true);
    await this.#tracker.drain(timeoutMs);
    this.#tracker.abandon();
    await this.#commit(false);
    await this.#consumer
      .disconnect()
      .catch((error: unknown) =>
        this.#init.logger.debug({ err: error }, 'kafka: consumer disconnect failed'),
      );
    if (this.#init.group === undefined) {
      await this.#init.admin
        .deleteGroups([this.#init.groupId])
        .catch((error: unknown) =>
          this.#init.logger.debug({ err: error }, 'kafka: could not delete ephemeral group'),
        );
    }
    this.#init.onClosed(this);
    this.#resolveClosed(fatal);
  });

  /**
   * Runs `fn`, retrying a few times (with fresh topic metadata) when it fails with a retriable Kafka
   * error such as NOT_LEADER_FOR_PARTITION right after the topic was created elsewhere.
   */
  async #withMetadataRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= 6 || (error as { retriable?: boolean }).retriable !== true) throw error;
        await delay(backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: 2_000 }));
        await this.#init.admin.fetchTopicMetadata({ topics: [this.#init.topic] }).catch(() => undefined);
      }
    }
  }

  /**
   * Reads the group's committed offsets; for partitions without one (a new group) remembers where
   * the group starts (log end for `latest`, log start for `earliest`), read *before* joining, so
   * every message published after `subscribe()` resolves is at or after that position.
   */
  async #planStartOffsets(): Promise<void> {
    const { admin, groupId, topic } = this.#init;
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitions = committed.find((t) => t.topic === topic)?.partitions ?? [];
    const missing = partitions.filter((p) => Number(p.offset) < 0).map((p) => p.partition);
    if (missing.length === 0) return;
    const marks = await admin.fetchTopicOffsets(topic);
    for (const partition of missing) {
      const mark = marks.find((m) => m.partition === partition);
      const offset = (this.#init.from === 'earliest' ? mark?.low : mark?.high) ?? '0';
      this.#startOffsets.set(partition, offset);
    }
  }

  /** Commits the planned start offsets of the partitions this member got, so later members keep them. */
  async #commitStartOffsets(): Promise<void> {
    const owned = [...this.#startOffsets].filter(([partition]) => this.#owned.has(partition));
    this.#startOffsets.clear();
    if (owned.length === 0) return;
    await this.#consumer.commitOffsets(
      owned.map(([partition, offset]) => ({ topic: this.#init.topic, partition, offset })),
    );
  }

  #onAssigned(partitions: number[]): void {
    // kafkajs rejoins eagerly: every partition is revoked and consumption restarts from committed
    // offsets. Forget all, so late acks of revoked partitions are never committed.
    this.#epoch++;
    this.#offsets.reset();
    this.#floors.clear();
    this.#floorSeeks.clear();
    this.#lastCommitted.clear();
    this.#owned = new Set(partitions);
    this.#rebalancing = false;
    // Buffers, nack delays and pauses belong to the previous generation (kafkajs keeps pauses across
    // a rejoin): start clean. A delivery still unsettled keeps its key (or, unkeyed, its offset)
    // waiting, so this member never has two records of a key out at once (PartitionLanes).
    this.#dropBuffered();
    if (!this.#stopping) {
      try {
        this.#consumer.resume([{ topic: this.#init.topic }]);
      } catch {
        // not running
      }
    }
    // A new group's first assignment: start exactly where planned, not where kafkajs's first fetch
    // would reset to (that could skip messages published between this join and that fetch).
    for (const partition of partitions) {
      const start = this.#startOffsets.get(partition);
      if (start !== undefined) this.#consumer.seek({ topic: this.#init.topic, partition, offset: start });
    }
    this.#init.logger.debug({ topic: this.#init.topic, partitions }, 'kafka: partitions assigned');
    this.#assignmentReady = this.#loadDeliveryHints(partitions, this.#epoch);
    this.#joined();
  }

  /**
   * Reads the group's committed offsets (and their metadata) for the new assignment: the committed
   * offset is the floor below which nothing is dispatched in this generation, and the metadata says
   * how far an earlier owner delivered (for `attempt`). Bounded to 5 s; failures only lose the hints.
   */
  async #loadDeliveryHints(partitions: number[], epoch: number): Promise<void> {
    if (partitions.length === 0) return;
    const { admin, groupId, topic } = this.#init;
    try {
      const fetched = admin.fetchOffsets({ groupId, topics: [topic] });
      const timeout = new AbortController();
      const result = await Promise.race([fetched, delay(5_000, timeout.signal).then(() => undefined)]);
      timeout.abort();
      if (result === undefined || epoch !== this.#epoch) return;
      for (const p of result.find((t) => t.topic === topic)?.partitions ?? []) {
        if (!this.#owned.has(p.partition)) continue;
        if (/^\d+$/.test(p.offset)) this.#floors.set(p.partition, BigInt(p.offset));
        const meta = parseMetadata(p.metadata);
        if (meta?.deliveredUpTo !== undefined)
          this.#offsets.hintPreviouslyDelivered(p.partition, meta.deliveredUpTo);
      }
    } catch (error) {
      this.#init.logger.debug({ err: error }, 'kafka: could not read committed offsets');
    }
  }

  #pauseAll(): void {
    try {
      this.#consumer.pause([{ topic: this.#init.topic }]);
    } catch {
      // consumer stopping
    }
  }

  /**
   * kafkajs's `eachBatch` (one worker per partition): buffers the batch's records in their
   * partition's lane and returns, so the fetch loop (and kafkajs's heartbeats) never wait for a
   * handler. When the lane is full it waits for room, at most {@link #roomWaitMs} for the whole
   * batch; still full then, the partition is paused and the batch left there. Only the offsets of
   * records it buffered (or dropped as replays) are resolved, so kafkajs reads the rest again from the
   * first one it did not take once the partition is resumed.
   */
  async #onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.#stopping) return this.#pauseAll();
    const { topic, partition } = batch;
    const epoch = this.#epoch;
    await this.#assignmentReady;
    // The member is closing, a rebalance started (kafkajs restarts every partition from its committed
    // offset after it) or happened while waiting: stop here. Checked before every record (a handler
    // may close the subscription synchronously).
    const ownStale = (): boolean =>
      this.#stopping || this.#rebalancing || epoch !== this.#epoch || !this.#owned.has(partition);
    // Also kafkajs stopped or was told to seek. kafkajs changes these only in its own tasks (or in a
    // seek/pause of ours, after which this batch returns), never during the synchronous run of this
    // loop, so they are read at the start and after every wait, not per record (isStale
    // JSON-encodes a key per call).
    const stale = (): boolean => !isRunning() || isStale() || ownStale();
    if (stale()) return;
    // Committed offset read at assignment (fixed for this epoch). Offsets of a batch ascend, so once
    // one record is at or past it the rest are too.
    const floor = this.#floors.get(partition);
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
            if (!this.#floorSeeks.has(partition)) {
              this.#floorSeeks.add(partition);
              this.#lanes.seeked(partition, floor!.toString());
              this.#consumer.seek({ topic, partition, offset: floor!.toString() });
            }
            return;
          }
          belowFloorPossible = false;
        }
        if (!this.#hasRoom(partition)) {
          timer ??= setTimeout(() => {
            expired = true;
            this.#roomWaiters.get(partition)?.();
          }, this.#roomWaitMs);
          // Woken only once the buffer drained to lowWater (see #wakeRoomWaiters), so the batch then
          // fills it in one go instead of waking, adding one record and waiting again per settle.
          while (!expired && !stale() && !this.#hasRoom(partition)) await this.#roomFor(partition);
          if (stale()) return;
          if (!this.#hasRoom(partition)) {
            this.#pausePartition(partition);
            return;
          }
        }
        // A record of another key may go out before this one: the commit must not pass it meanwhile.
        if (this.#lanes.offer(partition, message, orderKeyOf(message))) {
          this.#offsets.received(partition, message.offset);
        }
        resolved = message.offset;
        // Only to hand it out: a new record never lets a paused partition resume or wakes a waiter.
        if (this.#tracker.freeSlots > 0) this.#schedule();
      }
    } finally {
      clearTimeout(timer);
      if (resolved !== undefined) resolveOffset(resolved);
    }
  }

  /**
   * Whether `partition` may buffer another record: its lane is below `highWater`, and fewer than
   * {@link #maxPending} of its records are received and not yet committable.
   */
  #hasRoom(partition: number): boolean {
    return !this.#lanes.isFull(partition) && this.#offsets.pending(partition) < this.#maxPending;
  }

  /** Resolves when {@link #schedule} sees room in `partition`, or a wake-up (timeout, close, rebalance). */
  #roomFor(partition: number): Promise<void> {
    return new Promise((resolve) => {
      this.#roomWaiters.set(partition, () => {
        this.#roomWaiters.delete(partition);
        resolve();
      });
    });
  }

  /**
   * Wakes the batches waiting for room whose partition drained to `lowWater` and has room again (or
   * all of them: they re-check why). Not at the first free place: that would wake the batch once per
   * settled record, for one record each time.
   */
  #wakeRoomWaiters(all: boolean): void {
    for (const [partition, wake] of this.#roomWaiters) {
      if (all || (this.#lanes.wantsRefill(partition) && this.#hasRoom(partition))) wake();
    }
  }

  /** Stops kafkajs reading `partition` (its lane stays full); {@link #schedule} resumes it. */
  #pausePartition(partition: number): void {
    try {
      this.#consumer.pause([{ topic: this.#init.topic, partitions: [partition] }]);
      this.#lanes.markPaused(partition, true);
    } catch (error) {
      this.#init.logger.debug({ err: error, partition }, 'kafka: could not pause a partition');
    }
  }

  #resumePartition(partition: number): void {
    try {
      this.#consumer.resume([{ topic: this.#init.topic, partitions: [partition] }]);
      this.#lanes.markPaused(partition, false);
    } catch (error) {
      this.#init.logger.debug({ err: error, partition }, 'kafka: could not resume a partition');
    }
  }

  /**
   * Hands buffered records to the handler while the DeliveryTracker has free slots (partitions in
   * turn, per key in order), then resumes paused partitions that drained and wakes batches waiting
   * for room. Runs after every buffered record, settlement and end of a nack delay; never blocks.
   */
  #schedule(): void {
    if (this.#scheduling) return;
    this.#scheduling = true;
    try {
      if (this.#stopping || this.#rebalancing) return;
      while (this.#tracker.freeSlots > 0) {
        const next = this.#lanes.take();
        if (next === undefined) break;
        this.#deliver(next);
      }
      if (this.#lanes.anyPaused) {
        for (const partition of this.#lanes.pausedPartitions()) {
          if (this.#lanes.wantsResume(partition) && this.#hasRoom(partition))
            this.#resumePartition(partition);
        }
      }
      if (this.#roomWaiters.size > 0) this.#wakeRoomWaiters(false);
    } finally {
      this.#scheduling = false;
    }
  }

  #deliver(taken: TakenRecord<KafkaMessage>): void {
    const { partition, record: message } = taken;
    const attempt = this.#offsets.delivered(partition, message.offset);
    const source =
      this.#init.group === undefined
        ? { address: this.#init.address, partition, offset: message.offset, redelivered: attempt > 1 }
        : {
            address: this.#init.address,
            group: this.#init.group,
            partition,
            offset: message.offset,
            redelivered: attempt > 1,
          };
    this.#tracker.dispatch(
      this.#init.handler,
      new RecordDelivery(
        this.#settler,
        taken,
        this.#epoch,
        fromKafkaRecord(this.#init.topic, partition, message),
        attempt,
        source,
      ),
    );
  }

  /** Settles the records of every delivery (one object per subscription, not two closures per record). */
  readonly #settler: RecordSettler<TakenRecord<KafkaMessage>> = {
    acked: (taken, epoch) => {
      this.#lanes.settled(taken);
      if (epoch === this.#epoch) {
        this.#offsets.ack(taken.partition, taken.record.offset);
        this.#commitSoon();
      }
    },
    nacked: (taken, epoch, delayMs) => {
      // The offset stays pending either way: no commit passes it.
      if (epoch === this.#epoch) this.#offsets.nack(taken.partition, taken.record.offset);
      // A rebalance restarts from the committed offset anyway; a closing member reads no more.
      if (epoch !== this.#epoch || this.#rebalancing || this.#stopping) {
        this.#lanes.settled(taken);
        return;
      }
      this.#hold(taken, delayMs > 0 ? delayMs : this.#init.options.nackBackoffMs);
    },
  };

  /**
   * Retry in place after a nack: the record's key stays held for `waitMs` (later records of that key
   * wait; other keys and partitions go on), then the record goes back in front of its key and is
   * delivered again with `attempt + 1`. A rebalance or close cancels the wait and releases the key
   * (the next owner starts from the committed offset, which never passes the nacked one).
   */
  #hold(taken: TakenRecord<KafkaMessage>, waitMs: number): void {
    if (waitMs <= 0) {
      this.#lanes.requeue(taken);
      return;
    }
    const timer = setTimeout(() => {
      this.#holds.delete(timer);
      this.#lanes.requeue(taken);
      this.#schedule();
    }, waitMs);
    this.#holds.set(timer, taken);
  }

  /** Cancels every nack delay and releases the held keys (their records come again from the consumer, or not at all). */
  #releaseHolds(): void {
    for (const [timer, taken] of this.#holds) {
      clearTimeout(timer);
      this.#lanes.settled(taken);
    }
    this.#holds.clear();
  }

  /** Drops every buffered record and nack delay (the group rebalances: all restarts from commits). */
  #dropBuffered(): void {
    this.#releaseHolds();
    this.#lanes.reset();
    this.#wakeRoomWaiters(true);
  }

  /**
   * Commits right after an ack instead of waiting for the next periodic commit: at most one commit
   * waits behind the one in progress (later acks ride along with it), so a crash redelivers only what
   * was acked during about one commit round trip plus what was in flight, not up to
   * `commitIntervalMs` worth of messages. The periodic commit stays as the fallback.
   */
  #commitSoon(): void {
    if (this.#commitQueued) return;
    this.#commitQueued = true;
    const started = (): void => {
      this.#commitQueued = false;
    };
    this.#commitChain = this.#commitChain.then(started, started);
    void this.#commit(false);
  }

  /**
   * Commits the contiguous acked offset of every owned partition that changed since the last commit.
   * Serialised; never rejects. Skipped while rebalancing unless `force` (the pre-rejoin commit).
   */
  #commit(force: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#rebalancing && !force) return;
      const epoch = this.#epoch;
      const pending = this.#offsets
        .commits(this.#owned)
        .filter((c) => this.#lastCommitted.get(c.partition) !== `${c.offset}/${c.deliveredUpTo}`);
      if (pending.length === 0) return;
      try {
        await this.#consumer.commitOffsets(
          pending.map((c) => ({
            topic: this.#init.topic,
            partition: c.partition,
            offset: c.offset,
            metadata: JSON.stringify({ deliveredUpTo: c.deliveredUpTo } satisfies CommitMetadata),
          })),
        );
        if (epoch === this.#epoch) {
          for (const c of pending) this.#lastCommitted.set(c.partition, `${c.offset}/${c.deliveredUpTo}`);
        }
        this.#init.onCommit?.(pending.map((c) => ({ partition: c.partition, offset: c.offset })));
      } catch (error) {
        this.#init.logger.debug(
          { err: error, topic: this.#init.topic },
          'kafka: offset commit failed (will retry)',
        );
      }
    };
    this.#commitChain = this.#commitChain.then(run, run);
    return this.#commitChain;
  }
}
