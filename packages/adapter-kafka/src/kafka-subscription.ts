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
import type { Admin, Consumer, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaTransportOptions } from './kafka-options.js';
import { fromKafkaRecord } from './kafka-record.js';
import { OffsetTracker } from './offset-tracker.js';
import { PartitionLanes } from './partition-lanes.js';

/** Records buffered per partition before it is paused, and the level at which it resumes. */
const LANE_HIGH_WATER = 32;
const LANE_LOW_WATER = 8;

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
 * Ordering and concurrency: kafkajs's fetch loop only fills a small buffer per partition
 * ({@link PartitionLanes}); records are handed to the handler from there, one at a time per
 * partition in offset order (so messages of one key are ordered), up to `maxInFlight` partitions at
 * once. An unsettled delivery, a slow handler or a nack back-off holds only its own partition; the
 * others keep being fetched and delivered, and kafkajs keeps heartbeating. A partition whose buffer
 * is full is paused until it drains.
 *
 * Offsets are committed manually (periodically, on rebalance and on close) and only up to the highest
 * contiguous acked offset ({@link OffsetTracker}); commit metadata records how far this member
 * delivered, so a later owner reports `attempt >= 2` for redeliveries. A nack pauses the partition
 * for the delay and seeks back to the nacked offset. Created by {@link KafkaTransport.subscribe}.
 */
export class KafkaSubscription implements Subscription {
  readonly #init: KafkaSubscriptionInit;
  readonly #consumer: Consumer;
  readonly #tracker: DeliveryTracker;
  readonly #offsets = new OffsetTracker();
  readonly #lanes = new PartitionLanes<KafkaMessage>({
    highWater: LANE_HIGH_WATER,
    lowWater: LANE_LOW_WATER,
  });
  readonly #backoffTimers = new Set<NodeJS.Timeout>();
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
        // eachMessage only buffers (see #onMessage): no need to run partitions concurrently.
        eachMessage: (payload) => this.#onMessage(payload),
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
    for (const timer of this.#backoffTimers) clearTimeout(timer);
    this.#backoffTimers.clear();
    this.#lanes.clear();
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
    // Buffers, back-offs and pauses belong to the previous generation (kafkajs keeps pauses across
    // a rejoin): start clean. A delivery still unsettled keeps its partition waiting (PartitionLanes).
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
   * kafkajs's `eachMessage`: only buffers the record in its partition's lane and returns, so the
   * fetch loop (and kafkajs's heartbeats) never wait for a handler. A partition whose buffer is full,
   * or which backs off after a nack, is paused; kafkajs stops its batch there and, since the offset
   * of every record it passed here is resolved, fetches it again from the next one once resumed.
   */
  async #onMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    if (this.#stopping) return this.#pauseAll();
    const epoch = this.#epoch;
    await this.#assignmentReady;
    // A rebalance started (kafkajs restarts every partition from its committed offset after it) or
    // happened while waiting: this record belongs to a finished generation.
    if (this.#rebalancing || epoch !== this.#epoch || !this.#owned.has(partition)) return;
    const floor = this.#floors.get(partition);
    if (floor !== undefined && BigInt(message.offset) < floor) {
      // kafkajs keeps a seek issued before a rebalance (a nack's) and applies it when the partition
      // comes back: never redeliver below what the group committed since; jump to it instead.
      if (!this.#floorSeeks.has(partition)) {
        this.#floorSeeks.add(partition);
        this.#lanes.seeked(partition, floor.toString());
        this.#consumer.seek({ topic, partition, offset: floor.toString() });
      }
      return;
    }
    if (this.#lanes.offer(partition, message)) {
      this.#syncPause(partition);
      this.#schedule();
    }
  }

  /** Tells kafkajs to pause or resume `partition` when its lane wants another state than it has. */
  #syncPause(partition: number): void {
    if (this.#stopping) return;
    const want = this.#lanes.wantsPause(partition);
    if (want === this.#lanes.isPaused(partition)) return;
    try {
      const target = [{ topic: this.#init.topic, partitions: [partition] }];
      if (want) this.#consumer.pause(target);
      else this.#consumer.resume(target);
      this.#lanes.markPaused(partition, want);
    } catch (error) {
      this.#init.logger.debug({ err: error, partition }, 'kafka: could not pause/resume a partition');
    }
  }

  /**
   * Hands buffered records to the handler while the DeliveryTracker has free slots: one record per
   * partition at a time, partitions in turn. Runs after every buffered record, settlement and
   * back-off end; never blocks.
   */
  #schedule(): void {
    if (this.#scheduling) return;
    this.#scheduling = true;
    try {
      while (!this.#stopping && !this.#rebalancing && this.#tracker.freeSlots > 0) {
        const next = this.#lanes.take();
        if (next === undefined) return;
        this.#syncPause(next.partition);
        this.#deliver(next.partition, next.record);
      }
    } finally {
      this.#scheduling = false;
    }
  }

  #deliver(partition: number, message: KafkaMessage): void {
    const { topic } = this.#init;
    const epoch = this.#epoch;
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
    this.#tracker.dispatch(this.#init.handler, {
      message: fromKafkaRecord(topic, partition, message),
      attempt,
      source,
      ack: () => {
        this.#lanes.settled(partition);
        if (epoch === this.#epoch) {
          this.#offsets.ack(partition, message.offset);
          this.#commitSoon();
        }
      },
      nack: ({ delayMs }) => {
        this.#lanes.settled(partition);
        if (epoch !== this.#epoch) return;
        this.#offsets.nack(partition, message.offset);
        // A rebalance restarts from the committed offset anyway; a closing member reads no more.
        if (this.#rebalancing || this.#stopping) return;
        this.#backoff(partition, message.offset, delayMs > 0 ? delayMs : this.#init.options.nackBackoffMs);
      },
    });
  }

  /**
   * Retry in place after a nack: drops the partition's buffer (records arriving meanwhile are
   * dropped too), keeps the partition paused for `waitMs` while the others go on, then seeks it back
   * to the nacked offset and resumes it. The seek is also issued at once, so kafkajs stops handing
   * out the rest of a batch it is reading. A rebalance or close cancels the wait (the next owner
   * starts from the committed offset, which never passes the nacked one).
   */
  #backoff(partition: number, offset: string, waitMs: number): void {
    this.#lanes.startBackoff(partition, offset);
    this.#syncPause(partition);
    this.#seek(partition, offset);
    const epoch = this.#epoch;
    const wait = (ms: number): void => {
      const timer = setTimeout(() => {
        this.#backoffTimers.delete(timer);
        if (epoch !== this.#epoch || this.#stopping) return;
        // Resuming without the seek would skip the nacked record: retry until kafkajs takes it.
        if (!this.#seek(partition, offset)) return wait(Math.max(100, this.#init.options.nackBackoffMs));
        this.#lanes.endBackoff(partition);
        this.#syncPause(partition);
        this.#schedule();
      }, ms);
      this.#backoffTimers.add(timer);
    };
    wait(waitMs);
  }

  /** Asks kafkajs to read `partition` from `offset` next (applied at its next fetch); false if it refused. */
  #seek(partition: number, offset: string): boolean {
    try {
      this.#consumer.seek({ topic: this.#init.topic, partition, offset });
      return true;
    } catch (error) {
      this.#init.logger.warn({ err: error, partition, offset }, 'kafka: seek failed, will retry');
      return false;
    }
  }

  /** Drops every buffered record and back-off (the group rebalances: all restarts from commits). */
  #dropBuffered(): void {
    for (const timer of this.#backoffTimers) clearTimeout(timer);
    this.#backoffTimers.clear();
    this.#lanes.reset();
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
