import {
  type Address,
  type CloseOptions,
  type DeliveryHandler,
  type Logger,
  type Subscription,
  TimeoutError,
} from '@polybus/core';
import { DeliveryTracker, delay, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { AssignmentState, plannedStartOffsets } from './assignment-state.js';
import type { KafkaTransportOptions } from './kafka-options.js';
import { withMetadataRetry } from './metadata-retry.js';
import { OffsetCommitter } from './offset-committer.js';
import { OffsetTracker } from './offset-tracker.js';
import { RecordDispatcher } from './record-dispatcher.js';

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

/**
 * One Kafka consumer-group member consuming one topic. This class wires the parts together and owns
 * the membership (join, assignment, rebalance, crash) and the end (close, fatal failure):
 * - {@link RecordDispatcher}: intake of fetched batches into bounded per-partition buffers, dispatch
 *   to the handler in order per key (up to `maxInFlight`), backpressure, nack delays;
 * - {@link AssignmentState}: the group generation, owned partitions, floors, start offsets;
 * - {@link OffsetTracker}: what is safe to commit (the highest contiguous acked offset per partition);
 * - {@link OffsetCommitter}: when to commit (after acks, coalesced; periodically; before a rejoin; on
 *   close), with metadata saying how far this member delivered, so a later owner reports
 *   `attempt >= 2` for redeliveries;
 * - {@link SubscriptionLifecycle}: close once, drain, abandon, fatal end.
 * Created by {@link KafkaTransport.subscribe}.
 */
export class KafkaSubscription implements Subscription {
  readonly #init: KafkaSubscriptionInit;
  readonly #consumer: Consumer;
  readonly #tracker: DeliveryTracker;
  readonly #offsets = new OffsetTracker();
  readonly #assignment = new AssignmentState();
  readonly #committer: OffsetCommitter;
  readonly #dispatcher: RecordDispatcher;
  readonly #lifecycle: SubscriptionLifecycle;
  #stopping = false;
  #assignmentReady: Promise<void> = Promise.resolve();
  #joined!: () => void;
  readonly #joinedPromise = new Promise<void>((resolve) => {
    this.#joined = resolve;
  });
  /** Resolves when the subscription ended: by `close()` (undefined) or a fatal consumer error. */
  readonly closed: Promise<Error | undefined>;

  /** Creates the member; {@link start} joins the group. Does no I/O. */
  constructor(init: KafkaSubscriptionInit) {
    this.#init = init;
    const { options, topic, logger } = init;
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onReleased: () => this.#dispatcher.schedule(),
      onHandlerError: (error, delivery) =>
        logger.warn(
          { err: error, messageId: delivery.message.id, topic },
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
    this.#committer = new OffsetCommitter({
      proposed: () => this.#offsets.commits(this.#assignment.owned),
      held: () => this.#assignment.rebalancing,
      generation: () => this.#assignment.generation,
      send: (commits) => this.#consumer.commitOffsets(commits.map((c) => ({ topic, ...c }))),
      onCommitted: init.onCommit,
      onError: (error) => logger.debug({ err: error, topic }, 'kafka: offset commit failed (will retry)'),
    });
    this.#dispatcher = new RecordDispatcher({
      consumer: this.#consumer,
      topic,
      address: init.address,
      group: init.group,
      handler: init.handler,
      tracker: this.#tracker,
      offsets: this.#offsets,
      assignment: this.#assignment,
      logger,
      nackBackoffMs: options.nackBackoffMs,
      roomWaitMs: Math.min(options.fetchMaxWaitMs, options.heartbeatIntervalMs),
      stopping: () => this.#stopping,
      assignmentReady: () => this.#assignmentReady,
      acked: () => this.#committer.commitSoon(),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => this.#stopIntake(),
      release: () => this.#release(),
      onReleaseError: (error) => logger.debug({ err: error, topic }, 'kafka: subscription release failed'),
    });
    this.closed = this.#lifecycle.closed;
    this.#watchGroup();
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
    const { options, topic, admin } = this.#init;
    try {
      await withMetadataRetry(
        () => this.#planStartOffsets(),
        () => admin.fetchTopicMetadata({ topics: [topic] }),
      );
      await this.#consumer.connect();
      await this.#consumer.subscribe({ topics: [topic], fromBeginning: this.#init.from === 'earliest' });
      await this.#consumer.run({
        autoCommit: false,
        // The dispatcher resolves offsets itself: only what it buffered, so a paused batch is read again.
        eachBatchAutoResolve: false,
        // One worker per partition: a batch waiting for room never holds up another partition's batch.
        partitionsConsumedConcurrently: Math.max(1, this.#init.partitionCount),
        eachBatch: (payload) => this.#dispatcher.onBatch(payload),
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
      const starts = this.#assignment.takeStartCommits();
      if (starts.length > 0) await this.#consumer.commitOffsets(starts.map((s) => ({ topic, ...s })));
      this.#committer.startInterval(options.commitIntervalMs);
    } catch (error) {
      await this.#lifecycle.close({ timeoutMs: 0 });
      throw error;
    }
  }

  /** See {@link Subscription.close}: drains, commits the contiguous acked offsets, leaves the group. */
  readonly close = (options: CloseOptions = {}): Promise<void> => this.#lifecycle.close(options);

  /** Lifecycle hook: take and hand out nothing more (the drain waits for what is out). */
  #stopIntake(): void {
    this.#stopping = true;
    this.#committer.stopInterval();
    try {
      this.#consumer.pause([{ topic: this.#init.topic }]);
    } catch {
      // not running yet
    }
    this.#dispatcher.stop();
  }

  /** Lifecycle hook after the drain: commit what was acked, leave the group, drop a private group. */
  async #release(): Promise<void> {
    const { admin, group, groupId, logger } = this.#init;
    await this.#committer.commit(false);
    await this.#consumer
      .disconnect()
      .catch((error: unknown) => logger.debug({ err: error }, 'kafka: consumer disconnect failed'));
    if (group === undefined) {
      await admin
        .deleteGroups([groupId])
        .catch((error: unknown) => logger.debug({ err: error }, 'kafka: could not delete ephemeral group'));
    }
    this.#init.onClosed(this);
  }

  /** Follows kafkajs's group events: assignment, rebalance (revoke), crash (fatal unless it restarts). */
  #watchGroup(): void {
    const { topic, logger } = this.#init;
    const { events } = this.#consumer;
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) =>
      this.#onAssigned(payload.memberAssignment[topic] ?? []),
    );
    this.#consumer.on(events.REBALANCING, () => {
      // Commit what is safe under the old generation before kafkajs rejoins, then hold commits and
      // dispatching; what is buffered is read again from the committed offsets after the rejoin.
      void this.#committer.commit(true);
      this.#assignment.revoke();
      this.#dispatcher.dropBuffered();
    });
    this.#consumer.on(events.CRASH, ({ payload }) => {
      this.#assignment.revoke();
      this.#dispatcher.dropBuffered();
      logger.warn(
        { err: payload.error, topic, restart: payload.restart },
        payload.restart ? 'kafka: consumer failed, restarting' : 'kafka: consumer failed',
      );
      if (!payload.restart && !this.#stopping) void this.#lifecycle.fail(payload.error);
    });
  }

  /**
   * Reads the group's committed offsets; for partitions without one (a new group) remembers where
   * the group starts (log end for `latest`, log start for `earliest`), read *before* joining, so
   * every message published after `subscribe()` resolves is at or after that position.
   */
  async #planStartOffsets(): Promise<void> {
    const { admin, groupId, topic, from } = this.#init;
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitions = committed.find((t) => t.topic === topic)?.partitions ?? [];
    if (partitions.every((p) => Number(p.offset) >= 0)) return;
    this.#assignment.planStart(plannedStartOffsets(partitions, await admin.fetchTopicOffsets(topic), from));
  }

  #onAssigned(partitions: number[]): void {
    const { topic } = this.#init;
    // kafkajs rejoins eagerly: every partition is revoked and consumption restarts from committed
    // offsets. Forget all, so late acks of revoked partitions are never committed.
    const seeks = this.#assignment.assign(partitions);
    this.#offsets.reset();
    this.#committer.forget();
    // Buffers, nack delays and pauses belong to the previous generation (kafkajs keeps pauses across
    // a rejoin): start clean.
    this.#dispatcher.dropBuffered();
    if (!this.#stopping) {
      try {
        this.#consumer.resume([{ topic }]);
      } catch {
        // not running
      }
    }
    // A new group's first assignment: start exactly where planned, not where kafkajs's first fetch
    // would reset to (that could skip messages published between this join and that fetch).
    for (const { partition, offset } of seeks) this.#consumer.seek({ topic, partition, offset });
    this.#init.logger.debug({ topic, partitions }, 'kafka: partitions assigned');
    this.#assignmentReady = this.#loadDeliveryHints(partitions, this.#assignment.generation);
    this.#joined();
  }

  /**
   * Reads the group's committed offsets (and their metadata) for the new assignment: the committed
   * offset is the floor below which nothing is dispatched in this generation, and the metadata says
   * how far an earlier owner delivered (for `attempt`). Bounded to 5 s; failures only lose the hints.
   */
  async #loadDeliveryHints(partitions: number[], generation: number): Promise<void> {
    if (partitions.length === 0) return;
    const { admin, groupId, topic } = this.#init;
    try {
      const fetched = admin.fetchOffsets({ groupId, topics: [topic] });
      const timeout = new AbortController();
      const result = await Promise.race([fetched, delay(5_000, timeout.signal).then(() => undefined)]);
      timeout.abort();
      if (result === undefined) return;
      const committed = result.find((t) => t.topic === topic)?.partitions ?? [];
      for (const hint of this.#assignment.applyCommitted(generation, committed)) {
        this.#offsets.hintPreviouslyDelivered(hint.partition, hint.deliveredUpTo);
      }
    } catch (error) {
      this.#init.logger.debug({ err: error }, 'kafka: could not read committed offsets');
    }
  }
}
