/**
 * The fault suite's oracle, after Jepsen's queue checker: every message carries a unique id and a
 * per-key sequence number; after a scenario, what the sinks hold is compared with what was sent.
 * Pure: no I/O, no clocks.
 */

/** One message as the oracle sees it. */
export interface Observed {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
}

/** Outcome of a scenario, as written to the reliability report. */
export interface Verdict {
  /** Distinct messages the producer had confirmed. */
  readonly sent: number;
  /** Deliveries seen at the sink, duplicates included. */
  readonly received: number;
  /** Distinct sent messages seen at the sink. */
  readonly delivered: number;
  /** Sent messages neither seen at the sink nor still waiting at the source. */
  readonly lost: number;
  /**
   * Sent messages not seen at the sink but found still waiting at the source after the run: not lost,
   * but the route did not move them (a stall). 0 when the source was not read back.
   */
  readonly stranded: number;
  /** Deliveries beyond the first of a message. */
  readonly duplicated: number;
  /**
   * First deliveries that arrived after a message of the same key with a higher sequence number had
   * already arrived (redeliveries of an already-seen message do not count).
   */
  readonly reordered: number;
  /** Deliveries of ids that were never sent (must be 0). */
  readonly unexpected: number;
  /** Up to 10 lost ids, for the report. */
  readonly lostSample: readonly string[];
}

/**
 * Compares `sent` (confirmed by the producer) with `received` (in sink arrival order). `leftAtSource`
 * holds the ids read back from the source after the run (see the harness's `judgeRoute`): those of
 * them the sink never saw count as stranded rather than lost.
 */
export function judge(
  sent: readonly Observed[],
  received: readonly Observed[],
  leftAtSource: ReadonlySet<string> = new Set(),
): Verdict {
  const sentIds = new Set(sent.map((m) => m.id));
  const seen = new Set<string>();
  const highestSeqByKey = new Map<string, number>();
  let duplicated = 0;
  let reordered = 0;
  let unexpected = 0;
  for (const m of received) {
    if (!sentIds.has(m.id)) {
      unexpected++;
      continue;
    }
    if (seen.has(m.id)) {
      duplicated++;
      continue;
    }
    seen.add(m.id);
    const highest = highestSeqByKey.get(m.key);
    if (highest !== undefined && m.seq < highest) reordered++;
    else highestSeqByKey.set(m.key, m.seq);
  }
  const missing = [...sentIds].filter((id) => !seen.has(id));
  const lostIds = missing.filter((id) => !leftAtSource.has(id));
  return {
    sent: sentIds.size,
    received: received.length,
    delivered: seen.size,
    lost: lostIds.length,
    stranded: missing.length - lostIds.length,
    duplicated,
    reordered,
    unexpected,
    lostSample: lostIds.slice(0, 10),
  };
}

/** Encodes a test message body: `{"id":..,"key":..,"seq":..,"pad":".."}` padded to `size` bytes when asked. */
export function encodeObserved(m: Observed, size = 0): string {
  const base = JSON.stringify({ id: m.id, key: m.key, seq: m.seq });
  if (base.length + 10 >= size) return base;
  return `${base.slice(0, -1)},"pad":"${'x'.repeat(size - base.length - 9)}"}`;
}

/** Decodes a body written by {@link encodeObserved}; undefined when it is not one. */
export function decodeObserved(body: Uint8Array | string): Observed | undefined {
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    const v = JSON.parse(text) as Partial<Observed>;
    if (typeof v.id === 'string' && typeof v.key === 'string' && typeof v.seq === 'number') {
      return { id: v.id, key: v.key, seq: v.seq };
    }
  } catch {
    // not one of ours
  }
  return undefined;
}
