import type { ReadRecord } from '@polybus/core';

/** What a sink received of one route's `{ route, seq }` messages, sequence numbers 0..expected-1. */
export interface DeliveryCount {
  /** Distinct sequence numbers received. */
  readonly unique: number;
  /** Sequence numbers below `expected` never received. */
  readonly lost: number;
  /** Records beyond the first of a sequence number. */
  readonly duplicates: number;
  /** Records per `x-version` header value (`none` when absent). */
  readonly versions: Record<string, number>;
}

/** Counts lost and duplicated messages in the records a sink holds. Pure. */
export function countDelivery(records: readonly ReadRecord[], expected: number): DeliveryCount {
  const seen = new Set<number>();
  let duplicates = 0;
  const versions: Record<string, number> = {};
  for (const { message } of records) {
    const { seq } = JSON.parse(Buffer.from(message.body).toString('utf8')) as { seq: number };
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
    const version = message.headers['x-version'] ?? 'none';
    versions[version] = (versions[version] ?? 0) + 1;
  }
  let lost = 0;
  for (let seq = 0; seq < expected; seq++) if (!seen.has(seq)) lost++;
  return { unique: seen.size, lost, duplicates, versions };
}

/** Gaps between consecutive arrivals at a sink, split by whether they overlap a time window. */
export interface ArrivalGaps {
  /** Gaps that overlap a window. */
  readonly during: number;
  readonly duringMax: number;
  readonly otherMax: number;
  readonly otherP50: number;
}

/**
 * Arrival gaps of Redis stream records (the entry id's millisecond part is the time the broker
 * appended it), in milliseconds; a gap is "during" when it overlaps any of `windows`. Pure.
 */
export function arrivalGaps(
  records: readonly ReadRecord[],
  windows: ReadonlyArray<{ from: number; to: number }>,
): ArrivalGaps {
  const times = records.map((r) => Number(r.position.split('-')[0]));
  const during: number[] = [];
  const other: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1] as number;
    const b = times[i] as number;
    (windows.some((w) => a <= w.to && b >= w.from) ? during : other).push(b - a);
  }
  other.sort((x, y) => x - y);
  return {
    during: during.length,
    duringMax: Math.max(0, ...during),
    otherMax: Math.max(0, ...other),
    otherP50: other[Math.floor(other.length / 2)] ?? 0,
  };
}
