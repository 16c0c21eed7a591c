import { setMaxListeners } from 'node:events';
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
import kafkajs, { type Admin, type Consumer, type EachMessagePayload, type Kafka } from 'kafkajs';
import type { KafkaTransportOptions } from './kafka-options.js';
import { fromKafkaRecord } from './kafka-record.js';
import { OffsetTracker } from './offset-tracker.js';

const { isRebalancing } = kafkajs as unknown as { isRebalancing: (e: unknown) => boolean };

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

type Outcome =
  | { kind: 'ack' }
  | { kind: 'nack'; delayMs: number }
  | { kind: 'aborted' }
  | { kind: 'rebalance'; error: unknown };

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
 * Ordering and concurrency: messages of one partition are handled one at a time, in offset order
 * (so messages of one key are ordered); up to `min(maxInFlight, partitions)` partitions are handled
 * concurrently. A delivery is in flight until settled; the kafkajs consumer heartbeats while it waits.
 *
 * Offsets are committed manually (periodically, on rebalance and on close) and only up to the highest
 * contiguous acked offset ({@link OffsetTracker}); commit metadata records how far this member
 * delivered, so a later owner reports `attempt >= 2` for redeliveries. A nack pauses the partition
 * for the delay, then seeks back to the nacked offset. Created by {@link KafkaTransport.subscribe}.
 */
export class KafkaSubscription implements Subscription {
  readonly #init: KafkaSubscriptionInit;
  readonly #consumer: Consumer;
  readonly #tracker: DeliveryTracker;
  readonly #offsets = new OffsetTracker();
  readonly #abort = new AbortController();
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
    // One abort listener per partition worker waiting on it: more than Node's default warning level.
    setMaxListeners(0, this.#abort.signal);
    const { options } = init;
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
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
      // Commit what is safe under the old generation before kafkajs rejoins, then hold commits.
      void this.#commit(true);
      this.#rebalancing = true;
    });
    this.#consumer.on(events.CRASH, ({ payload }) => {
      this.#rebalancing = true;
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
        partitionsConsumedConcurrently: Math.max(
          1,
          Math.min(this.#init.maxInFlight, this.#init.partitionCount),
        ),
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
    await this.#tracker.drain(timeoutMs);
    this.#tracker.abandon();
    this.#abort.abort();
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

  async #onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    if (this.#stopping) return this.#pauseAll();
    await this.#assignmentReady;
    const floor = this.#floors.get(partition);
    if (floor !== undefined && BigInt(message.offset) < floor) {
      // kafkajs keeps a seek issued before a rebalance (a nack's) and applies it when the partition
      // comes back: never redeliver below what the group committed since; jump to it instead.
      if (!this.#floorSeeks.has(partition)) {
        this.#floorSeeks.add(partition);
        this.#consumer.seek({ topic, partition, offset: floor.toString() });
      }
      return;
    }
    if (!(await this.#tracker.waitForSlot()) || this.#stopping) return this.#pauseAll();
    // The group is rebalancing: kafkajs rejoins once this batch is done and then restarts every
    // partition from its committed offset, so skipping the rest of the batch loses nothing.
    if (this.#rebalancing) return;
    const epoch = this.#epoch;
    const attempt = this.#offsets.delivered(partition, message.offset);
    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
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
        if (epoch === this.#epoch) this.#offsets.ack(partition, message.offset);
        settle({ kind: 'ack' });
      },
      nack: ({ delayMs }) => {
        if (epoch === this.#epoch) this.#offsets.nack(partition, message.offset);
        settle({ kind: 'nack', delayMs });
      },
    });
    const result = await this.#whileHeartbeating(outcome, heartbeat);
    if (result.kind === 'ack' || result.kind === 'aborted') return;
    if (result.kind === 'rebalance') throw result.error;
    const wait = result.delayMs > 0 ? result.delayMs : this.#init.options.nackBackoffMs;
    const paused = await this.#whileHeartbeating(
      delay(wait, this.#abort.signal).then((): Outcome => ({ kind: 'ack' })),
      heartbeat,
    );
    if (paused.kind === 'rebalance') throw paused.error;
    if (this.#stopping || epoch !== this.#epoch) return;
    this.#consumer.seek({ topic, partition, offset: message.offset });
  }

  /**
   * Waits for `work` while heartbeating, so a slow handler or a long nack delay never exceeds the
   * session timeout. Resolves early with `aborted` on close, or `rebalance` when the group started
   * rebalancing (the caller rethrows so kafkajs rejoins; the unsettled delivery no longer counts).
   */
  #whileHeartbeating(work: Promise<Outcome>, heartbeat: () => Promise<void>): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const signal = this.#abort.signal;
      const finish = (outcome: Outcome): void => {
        if (done) return;
        done = true;
        clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = (): void => finish({ kind: 'aborted' });
      const timer = setInterval(
        () => {
          const epoch = this.#epoch;
          heartbeat().catch((error: unknown) => {
            // A late answer to a heartbeat of an earlier generation, or one arriving after the wait
            // ended, says nothing about now: kafkajs's own heartbeat notices a real rebalance.
            if (done || epoch !== this.#epoch) return;
            const type = (error as { type?: string }).type;
            if (isRebalancing(error) || type === 'UNKNOWN_MEMBER_ID') {
              void this.#commit(true);
              this.#rebalancing = true;
              finish({ kind: 'rebalance', error });
            }
          });
        },
        Math.max(100, Math.floor(this.#init.options.heartbeatIntervalMs / 2)),
      );
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
      void work.then(finish);
    });
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
