// Over 300 lines: one read loop with its four turns (claim due nacks, reclaim idle entries, drain own
// pending, read new), which share the loop's cursor state; the pending bookkeeping, XACK batching and
// lifecycle already live in their own modules.
import {
  type Address,
  type CloseOptions,
  type DeliveryHandler,
  type Logger,
  redactText,
  type Subscription,
} from '@polybus/core';
import {
  backoffDelay,
  DeliveryTracker,
  delay,
  SubscriptionLifecycle,
  withDeadline,
} from '@polybus/core/adapter-kit';
import type { Redis } from 'ioredis';
import { PendingBook } from './pending-book.js';
import { connectRedis, createRedis, errorText, uniqueSuffix } from './redis-connection.js';
import type { RedisTransportOptions } from './redis-options.js';
import { decodeEntry } from './stream-entry.js';
import {
  parseAutoClaimReply,
  parseEntryList,
  parsePendingCount,
  parseReadReply,
  type RawEntry,
} from './stream-reply.js';
import { XackBatcher } from './xack-batcher.js';

/** Everything a {@link StreamGroupSubscription} needs from its transport. */
export interface StreamGroupSubscriptionInit {
  readonly url: string;
  readonly options: RedisTransportOptions;
  readonly logger: Logger;
  /** The transport's shared command connection (never used for blocking reads). */
  readonly cmd: Redis;
  readonly address: Address;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  /** True when the consumer name was configured (stable across restarts): it is then never deleted. */
  readonly stableConsumer: boolean;
  readonly handler: DeliveryHandler;
  readonly maxInFlight: number;
  readonly from: 'latest' | 'earliest';
  readonly onClosed: (subscription: StreamGroupSubscription) => void;
}

/** True when a Redis error says the stream or the group does not exist. */
export function isNoGroupError(error: unknown): boolean {
  return /\bNOGROUP\b/.test(errorText(error));
}

/** Creates `group` on `stream` at `startId` (creating the stream too); an existing group is fine. */
export async function ensureGroup(
  cmd: Redis,
  stream: string,
  group: string,
  startId: '$' | '0',
): Promise<void> {
  try {
    await cmd.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
  } catch (error) {
    if (!/\bBUSYGROUP\b/.test(errorText(error))) throw error;
  }
}

/**
 * A consumer of a Redis Streams consumer group, reading with XREADGROUP on its own blocking
 * connection (`<prefix>:reader:<id>`). Each turn of its read loop, in this order: claims back nacked
 * entries whose delay passed (XCLAIM, delivery count +1); every `claimIdleMs / 3` reclaims entries
 * other consumers left idle for `claimIdleMs` (XAUTOCLAIM); after start, drains its own pending
 * entries (XREADGROUP from id 0, for a stable consumer name); then reads new entries (`>`) with a
 * bounded BLOCK, interrupted by CLIENT UNBLOCK when a nack becomes due. A lease heartbeat
 * (XCLAIM ... JUSTID) keeps the entries it holds from being reclaimed while it lives. Errors are
 * retried with backoff; a vanished group (NOGROUP, e.g. Redis restarted without persistence) is
 * re-created at id 0.
 */
export class StreamGroupSubscription implements Subscription {
  readonly #init: StreamGroupSubscriptionInit;
  readonly #reader: Redis;
  readonly #tracker: DeliveryTracker;
  readonly #book = new PendingBook();
  /** Acks of one turn go out as one XACK (the handler's ack still waits for its reply). */
  readonly #acks: XackBatcher;
  readonly #abort = new AbortController();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #reclaimEveryMs: number;
  #heartbeat: NodeJS.Timeout | undefined;
  #loop: Promise<void> = Promise.resolve();
  #blocking = false;
  #readerId: string | undefined;
  #nextReclaimAt = 0;
  #reclaimCursor = '0-0';
  readonly #lifecycle: SubscriptionLifecycle;

  private constructor(init: StreamGroupSubscriptionInit) {
    this.#init = init;
    this.#reader = createRedis(init.url, init.options, 'reader', uniqueSuffix());
    this.#reader.on('error', () => undefined);
    this.#reader.on('close', () => {
      this.#readerId = undefined;
    });
    this.#acks = new XackBatcher((ids) =>
      this.#command(init.cmd.xack(init.stream, init.group, ...ids), 'XACK'),
    );
    this.#reclaimEveryMs = Math.min(5_000, Math.max(10, Math.floor(init.options.claimIdleMs / 3)));
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error, delivery) =>
        init.logger.warn(
          { err: error, messageId: delivery.message.id, stream: init.stream, group: init.group },
          'redis: handler failed, entry nacked',
        ),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      stopIntake: () => {
        this.#abort.abort();
        this.#reader.disconnect();
      },
      release: () => this.#release(),
    });
  }

  /** Resolves (with `undefined`) once {@link close} finished. */
  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /**
   * Creates the group if needed (at `$`, or `0` for `from: 'earliest'`), connects the reader and
   * starts reading. Resolves once the group exists, so every entry added afterwards reaches it.
   * Rejects with a PolybusError when Redis cannot be reached.
   */
  static async open(init: StreamGroupSubscriptionInit): Promise<StreamGroupSubscription> {
    const subscription = new StreamGroupSubscription(init);
    try {
      await ensureGroup(init.cmd, init.stream, init.group, init.from === 'earliest' ? '0' : '$');
      await connectRedis(subscription.#reader, init.url);
    } catch (error) {
      subscription.#reader.disconnect();
      throw error;
    }
    subscription.#heartbeat = setInterval(
      () => void subscription.#renewLeases(),
      subscription.#reclaimEveryMs,
    );
    subscription.#loop = subscription.#run();
    return subscription;
  }

  /** Deliveries handed to the handler and not yet settled. */
  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** The consumer name this subscription reads as. */
  get consumer(): string {
    return this.#init.consumer;
  }

  /**
   * Stops reading (the blocking connection is disconnected at once), waits up to `timeoutMs`
   * (default 30000) for in-flight deliveries to be settled, then leaves the rest pending for Redis
   * to hand to another consumer after `claimIdleMs`. Safe to call twice; never rejects.
   */
  readonly close = (options?: CloseOptions): Promise<void> => this.#lifecycle.close(options);

  /** After the drain: stop the timers and the read loop, delete a throwaway consumer. */
  async #release(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await withDeadline(this.#loop, 5_000, 'read loop stop').catch(() => undefined);
    if (!this.#init.stableConsumer) await this.#deleteConsumerIfIdle();
    this.#init.onClosed(this);
  }

  async #run(): Promise<void> {
    const { stream, group, consumer, logger } = this.#init;
    let failures = 0;
    let ownCursor: string | undefined = '0-0';
    while (!this.#lifecycle.ending) {
      if (!(await this.#tracker.waitForSlot()) || this.#lifecycle.ending) break;
      try {
        const free = this.#tracker.freeSlots;
        const now = Date.now();
        const due = this.#book.takeDue(now, free);
        if (due.length > 0) {
          await this.#claimBack(due);
          failures = 0;
          continue;
        }
        if (now >= this.#nextReclaimAt) {
          this.#nextReclaimAt = now + this.#reclaimEveryMs;
          const reclaimed = await this.#reclaim(free);
          failures = 0;
          if (reclaimed > 0) continue;
        }
        if (ownCursor !== undefined) {
          const reply = await withDeadline(
            this.#reader.callBuffer(
              'XREADGROUP',
              'GROUP',
              group,
              consumer,
              'COUNT',
              free,
              'STREAMS',
              stream,
              ownCursor,
            ),
            this.#init.options.connectTimeoutMs,
            'XREADGROUP of own pending entries',
          );
          const entries = parseReadReply(reply);
          ownCursor = entries.at(-1)?.id;
          if (!this.#lifecycle.ending)
            await this.#deliverCounted(entries.filter((e) => !this.#book.owns(e.id)));
          failures = 0;
          continue;
        }
        this.#readerId ??= String(
          await withDeadline(this.#reader.client('ID'), this.#init.options.connectTimeoutMs, 'CLIENT ID'),
        );
        const blockMs = this.#blockMs(now);
        this.#blocking = true;
        let reply: unknown;
        try {
          reply = await withDeadline(
            this.#reader.callBuffer(
              'XREADGROUP',
              'GROUP',
              group,
              consumer,
              'COUNT',
              free,
              'BLOCK',
              blockMs,
              'STREAMS',
              stream,
              '>',
            ),
            blockMs + this.#init.options.connectTimeoutMs,
            'XREADGROUP',
          );
        } finally {
          this.#blocking = false;
        }
        // Entries read after close began stay pending: another consumer reclaims them.
        if (this.#lifecycle.ending) break;
        for (const entry of parseReadReply(reply)) this.#deliver(entry, 1);
        failures = 0;
      } catch (readError) {
        if (this.#lifecycle.ending) break;
        let error = readError;
        if (isNoGroupError(error)) {
          logger.warn(
            { stream, group },
            'redis: consumer group vanished (Redis restarted?); re-creating it at 0',
          );
          try {
            await ensureGroup(this.#init.cmd, stream, group, '0');
            this.#reclaimCursor = '0-0';
            ownCursor = undefined;
            continue;
          } catch (createError) {
            error = createError;
          }
        }
        failures++;
        logger.warn(
          { stream, group, attempt: failures, err: redactText(errorText(error)) },
          'redis: stream read failed; retrying',
        );
        await delay(backoffDelay(failures, { initialDelayMs: 50, maxDelayMs: 1_000 }), this.#abort.signal);
      }
    }
  }

  /** How long the next blocking read may wait: until the next due nack or reclaim, at most blockMs. */
  #blockMs(now: number): number {
    let until = Math.min(now + this.#init.options.blockMs, this.#nextReclaimAt);
    const due = this.#book.nextDueAt();
    if (due !== undefined) until = Math.min(until, due);
    return Math.max(1, until - now);
  }

  /**
   * Interrupts a blocking read so the loop looks at due nacks now. CLIENT UNBLOCK can overtake a read
   * that was sent but has not started blocking yet; it is then retried a few times.
   */
  #wake(tries = 3): void {
    if (!this.#blocking || this.#readerId === undefined || this.#lifecycle.ending) return;
    this.#init.cmd.client('UNBLOCK', this.#readerId).then(
      (unblocked) => {
        if (Number(unblocked) === 0 && tries > 1) {
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            this.#wake(tries - 1);
          }, 5);
          this.#timers.add(timer);
        }
      },
      () => undefined,
    );
  }

  #wakeIn(ms: number): void {
    if (ms <= 0) {
      this.#wake();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#wake();
    }, ms);
    this.#timers.add(timer);
  }

  async #claimBack(ids: string[]): Promise<void> {
    const { cmd, stream, group, consumer } = this.#init;
    let reply: unknown;
    try {
      reply = await this.#command(cmd.callBuffer('XCLAIM', stream, group, consumer, 0, ...ids), 'XCLAIM');
    } catch (error) {
      for (const id of ids) this.#book.retryAt(id, Date.now() + 100);
      throw error;
    }
    await this.#deliverCounted(parseEntryList(reply));
  }

  async #reclaim(free: number): Promise<number> {
    const { cmd, stream, group, consumer, options } = this.#init;
    const reply = await this.#command(
      cmd.callBuffer(
        'XAUTOCLAIM',
        stream,
        group,
        consumer,
        options.claimIdleMs,
        this.#reclaimCursor,
        'COUNT',
        free,
      ),
      'XAUTOCLAIM',
    );
    const { cursor, entries } = parseAutoClaimReply(reply);
    this.#reclaimCursor = cursor;
    const fresh = entries.filter((e) => !this.#book.owns(e.id));
    await this.#deliverCounted(fresh);
    return fresh.length;
  }

  /** Delivers entries read from a pending list, with their delivery count as attempt. */
  async #deliverCounted(entries: readonly RawEntry[]): Promise<void> {
    const { cmd, stream, group } = this.#init;
    const gone = entries.filter((e) => e.fields === null).map((e) => e.id);
    if (gone.length > 0) await this.#command(cmd.xack(stream, group, ...gone), 'XACK');
    const live = entries.filter((e) => e.fields !== null);
    if (live.length === 0) return;
    const pipeline = cmd.pipeline();
    for (const entry of live) pipeline.xpending(stream, group, entry.id, entry.id, 1);
    const counts = (await this.#command(pipeline.exec(), 'XPENDING pipeline')) ?? [];
    live.forEach((entry, i) => {
      this.#deliver(entry, parsePendingCount(counts[i]?.[1], 2));
    });
  }

  /**
   * `reply` bounded by `commandTimeoutMs` (a retriable TimeoutError past it): a lost reply never stops
   * the read loop or keeps an ack's slot for ever. What a timed-out command did stays pending or is
   * claimed again later.
   */
  #command<T>(reply: Promise<T>, what: string): Promise<T> {
    return withDeadline(reply, this.#init.options.commandTimeoutMs, what);
  }

  #deliver(entry: RawEntry, attempt: number): void {
    const { address, group, handler } = this.#init;
    const id = entry.id;
    this.#book.hold(id);
    this.#tracker.dispatch(handler, {
      message: decodeEntry(id, entry.fields ?? []),
      attempt,
      source: { address, group, streamId: id, redelivered: attempt > 1 },
      ack: () => this.#xack(id),
      nack: ({ requeue, delayMs }) => {
        if (!requeue) return this.#xack(id);
        this.#book.retryAt(id, Date.now() + delayMs);
        this.#wakeIn(delayMs);
      },
    });
  }

  async #xack(id: string): Promise<void> {
    try {
      await this.#acks.ack(id);
    } catch (error) {
      // The group vanished with its pending list: there is nothing left to acknowledge.
      if (!isNoGroupError(error)) throw error;
    } finally {
      this.#book.release(id);
    }
  }

  /** Resets the idle time of every entry this subscription holds, so no other consumer reclaims them. */
  async #renewLeases(): Promise<void> {
    const { cmd, stream, group, consumer } = this.#init;
    const ids = this.#book.ownedIds();
    for (let i = 0; i < ids.length; i += 500) {
      await this.#command(
        cmd.callBuffer('XCLAIM', stream, group, consumer, 0, ...ids.slice(i, i + 500), 'JUSTID'),
        'XCLAIM JUSTID',
      ).catch(() => undefined);
    }
  }

  async #deleteConsumerIfIdle(): Promise<void> {
    const { cmd, stream, group, consumer } = this.#init;
    try {
      const pending = await this.#command(cmd.xpending(stream, group, '-', '+', 1, consumer), 'XPENDING');
      if (Array.isArray(pending) && pending.length === 0)
        await cmd.xgroup('DELCONSUMER', stream, group, consumer);
    } catch {
      // best effort: an idle consumer left in the group is harmless
    }
  }
}

/** A default consumer name, unique per subscription. */
export function generatedConsumerName(): string {
  return `polybus-${uniqueSuffix()}`;
}
