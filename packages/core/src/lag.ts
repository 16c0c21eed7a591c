import type { Address } from './address.js';
import type { Transport } from './transport.js';

/**
 * Lag of one part of an address: a Kafka partition, a Redis stream, a JetStream consumer, a RabbitMQ
 * queue. Numbers are messages, as the broker counts them.
 */
export interface LagPart {
  /** What the part is: `"3"` (Kafka partition), the stream key, the consumer name, the queue name. */
  readonly name: string;
  /** Messages of this part the group has not acknowledged yet: `waiting` + `inFlight` where known. */
  readonly total: number;
  /** Messages not yet delivered to the group; undefined when the broker does not separate them. */
  readonly waiting?: number;
  /** Messages delivered to the group and not acknowledged yet; undefined when the broker does not say. */
  readonly inFlight?: number;
  /** Broker position the group has consumed up to (committed offset, last-delivered id, ack floor). */
  readonly position?: string;
  /** Broker position of the end of the part (high watermark, last entry id, last sequence). */
  readonly end?: string;
}

/**
 * What a group has not consumed yet on an address, read from the broker (never from counters kept by
 * polybus). `total` is the number to alert on and to wait for before a cutover.
 */
export interface LagReport {
  /** Messages the group has not acknowledged yet (sum of `parts[].total`). */
  readonly total: number;
  /** Sum of `parts[].waiting`, or undefined when any part does not know it. */
  readonly waiting?: number;
  /**
   * Sum of `parts[].inFlight`, or undefined when the broker does not report delivered-but-unacked
   * messages (RabbitMQ `checkQueue` counts only ready messages: there `total` excludes them).
   */
  readonly inFlight?: number;
  /**
   * False when `total` is an estimate (Redis when the stream was trimmed or entries were deleted and
   * the broker cannot count the group's lag; a JetStream consumer or Redis group that does not
   * exist yet, counted as if it started at the earliest retained message).
   */
  readonly exact: boolean;
  /** False when the group does not exist on the broker yet; `total` then counts what a new group starting at `earliest` would receive. */
  readonly groupExists: boolean;
  /** Per partition / stream / consumer / queue detail. */
  readonly parts: readonly LagPart[];
  /** When the broker was asked (ms since the epoch). */
  readonly at: number;
}

/** Optional ability: reports a group's lag on an address, from the broker. */
export interface LagReporter {
  /**
   * Asks the broker how far `group` is behind on `address`; one or two cheap admin calls, no message
   * is read or consumed. `group` is the polybus group name given to `subscribe` (adapters map it to
   * their native group: Kafka group id, Redis stream group, JetStream durable, AMQP queue
   * `<address>.<group>`); it may be omitted only for addresses that name their own consumer (an
   * AMQP `{ queue }`). A group that does not exist yet is reported with `groupExists: false` and the
   * lag a new group starting at the earliest retained message would have. Rejects with
   * AddressError (address this adapter cannot report on, or a missing group), NotConnectedError,
   * ClosedError or ConnectionError. Safe to call concurrently and repeatedly.
   */
  lag(address: Address, group?: string): Promise<LagReport>;
}

/** True when the transport offers {@link LagReporter}. */
export function isLagReporter(transport: Transport): transport is Transport & LagReporter {
  return typeof (transport as Partial<LagReporter>).lag === 'function';
}

/**
 * Builds a {@link LagReport} from its parts (sums `total`, `waiting`, `inFlight`). Pure; for
 * adapters.
 */
export function lagReport(
  parts: readonly LagPart[],
  flags: { exact?: boolean; groupExists?: boolean; at?: number } = {},
): LagReport {
  let total = 0;
  let waiting: number | undefined = 0;
  let inFlight: number | undefined = 0;
  for (const part of parts) {
    total += part.total;
    waiting = waiting === undefined || part.waiting === undefined ? undefined : waiting + part.waiting;
    inFlight = inFlight === undefined || part.inFlight === undefined ? undefined : inFlight + part.inFlight;
  }
  const report: LagReport = {
    total,
    exact: flags.exact ?? true,
    groupExists: flags.groupExists ?? true,
    parts: Object.freeze([...parts]),
    at: flags.at ?? Date.now(),
    ...(waiting === undefined ? {} : { waiting }),
    ...(inFlight === undefined ? {} : { inFlight }),
  };
  return Object.freeze(report);
}

/**
 * True when the group has nothing left on the address: the broker counts no message it has not
 * acknowledged and, where the broker does not report in-flight messages (RabbitMQ), the consumer's
 * own count of unsettled deliveries (`Subscription.inFlight`, passed as `localInFlight`) is 0 too.
 * The cutover test of `polybus status`. Pure.
 */
export function isDrained(report: LagReport, localInFlight = 0): boolean {
  if (report.total !== 0 || !report.exact) return false;
  return report.inFlight === undefined ? localInFlight === 0 : report.inFlight === 0;
}
