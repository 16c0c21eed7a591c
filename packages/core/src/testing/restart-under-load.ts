import type { Address } from '../address.js';
import { createMessage } from '../message.js';
import type { HealthStatus, Transport } from '../transport.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every 20 ms until it holds; rejects after `timeoutMs` naming `what`. For broker tests
 * whose condition has no event to await (a health state, a count reached by another loop).
 */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** What {@link restartUnderLoad} needs. */
export interface RestartUnderLoadOptions {
  /** Connected transports: one publishes, one consumes with `group`. */
  readonly publisher: Transport;
  readonly consumer: Transport;
  readonly address: Address;
  readonly group: string;
  /** Restarts the broker; resolves once it accepts connections again. */
  restart(): Promise<unknown>;
  /** Most unsettled deliveries of the consumer. @defaultValue 32 */
  readonly maxInFlight?: number;
  /** Pause after a failed publish, ms. @defaultValue 100 */
  readonly failureBackoffMs?: number;
  /** Upper bound of each wait, ms (before, notice, resume, after, every confirmed). @defaultValue 60000 */
  readonly timeoutMs?: number;
}

/** What happened across the restart. */
export interface RestartUnderLoadResult {
  /** Ids whose publish resolved. */
  readonly confirmed: ReadonlySet<string>;
  /** Confirmed ids never received (must be empty for an at-least-once adapter). */
  readonly lost: readonly string[];
  readonly received: number;
  readonly duplicates: number;
  /** Publishes that failed (a caller would publish them again; not counted as sent). */
  readonly failedPublishes: number;
  /** From the broker being back to the first delivery after it. */
  readonly resumedAfterMs: number;
  /** Consumer health states seen while publishing. */
  readonly states: ReadonlySet<HealthStatus['state']>;
}

/**
 * The broker-restart scenario every persistent adapter runs: publish one message at a time while a
 * group consumes and acks; after 50 deliveries restart the broker; wait until the consumer noticed,
 * the broker is back and 50 more were delivered; stop publishing, then wait until every confirmed
 * message arrived (or `timeoutMs` passed). Returns the figures; the caller asserts them.
 */
export async function restartUnderLoad(options: RestartUnderLoadOptions): Promise<RestartUnderLoadResult> {
  const { publisher, consumer, address } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const received = new Map<string, number>(); // id -> first arrival time
  let duplicates = 0;
  await consumer.subscribe(
    address,
    async (d) => {
      if (received.has(d.message.id)) duplicates++;
      else received.set(d.message.id, Date.now());
      await d.ack().catch(() => undefined); // an ack lost in the restart: the message comes back
    },
    { group: options.group, maxInFlight: options.maxInFlight ?? 32 },
  );
  const confirmed = new Set<string>();
  const states = new Set<HealthStatus['state']>();
  let failedPublishes = 0;
  let stop = false;
  const publishing = (async () => {
    for (let i = 0; !stop; i++) {
      const m = createMessage({ body: `r-${i}`, headers: { seq: String(i) } });
      try {
        await publisher.publish(address, [m]);
        confirmed.add(m.id);
      } catch {
        failedPublishes++;
        await sleep(options.failureBackoffMs ?? 100);
      }
      states.add(consumer.health().state);
      await sleep(5);
    }
  })();
  try {
    await until(() => received.size >= 50, timeoutMs, '50 messages before the restart');
    const restarting = options.restart();
    await until(() => consumer.health().state !== 'up', timeoutMs, 'the consumer to notice the restart');
    states.add(consumer.health().state);
    await restarting;
    const back = Date.now();
    const before = received.size;
    await until(
      () => [...received.values()].some((t) => t >= back),
      timeoutMs,
      'a delivery after the restart',
    );
    const resumedAfterMs = Math.min(...[...received.values()].filter((t) => t >= back)) - back;
    await until(() => received.size >= before + 50, timeoutMs, '50 more messages after the restart');
    stop = true;
    await publishing;
    await until(
      () => [...confirmed].every((id) => received.has(id)),
      timeoutMs,
      'every confirmed message',
    ).catch(() => undefined);
    return {
      confirmed,
      lost: [...confirmed].filter((id) => !received.has(id)),
      received: received.size,
      duplicates,
      failedPublishes,
      resumedAfterMs,
      states,
    };
  } finally {
    stop = true;
    await publishing;
  }
}
