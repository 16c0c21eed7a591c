import type { Message, ReadRecord } from '@polybus/core';
import { type Fingerprint, fingerprintOf, type HeaderFilter } from './fingerprint.js';
import { type ComparisonOptions, StreamComparison } from './stream-comparison.js';
import type { FaultSample, VerifyReport } from './verify-report.js';

/** What verification reads: messages, reader records, or fingerprints (a ledger). */
export type VerifyItem = Message | ReadRecord | Fingerprint;

/** A stream to verify; a function is called again to name missing messages by a second read. */
export type VerifySource =
  | AsyncIterable<VerifyItem>
  | Iterable<VerifyItem>
  | (() => AsyncIterable<VerifyItem> | Iterable<VerifyItem>);

/** Options of {@link verifyStreams}. */
export interface VerifyOptions extends ComparisonOptions {
  /** Headers compared (default: all but `x-polybus-*` and `timestamp`). Return false for all to ignore headers. */
  headers?: HeaderFilter;
  /** Stops reading; the report then covers what was read. */
  signal?: AbortSignal;
}

/** The fingerprint of any {@link VerifyItem}. Pure. */
export function toFingerprint(item: VerifyItem, headers?: HeaderFilter): Fingerprint {
  if ('bodyHash' in item) return item;
  if ('message' in item) return fingerprintOf(item.message, `${item.part}@${item.position}`, headers);
  return fingerprintOf(item, undefined, headers);
}

function open(stream: VerifySource): AsyncIterable<VerifyItem> | Iterable<VerifyItem> {
  return typeof stream === 'function' ? stream() : stream;
}

/**
 * Reads the whole source, then the whole sink, and reports per key what the sink is missing, has
 * extra, duplicated, reordered or altered (see {@link StreamComparison}; memory is bounded by
 * about 60 bytes per source message, nothing is kept per sink message). When `source` is a function
 * and messages are missing, the source is read a second time to name the first `maxSamples` missing
 * ones in read order (id, key, position). Rejects with what a stream throws.
 */
export async function verifyStreams(
  source: VerifySource,
  sink: VerifySource,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const comparison = new StreamComparison(options);
  for await (const item of open(source)) {
    if (options.signal?.aborted) break;
    comparison.addSource(toFingerprint(item, options.headers));
  }
  for await (const item of open(sink)) {
    if (options.signal?.aborted) break;
    comparison.addSink(toFingerprint(item, options.headers));
  }
  const report = comparison.finish();
  if (report.counts.missing === 0 || typeof source !== 'function') return report;
  // A second read names the first missing ones in read order (a read's order across partitions may
  // differ from the first read's, so ordinals are not reused).
  const limit = report.samples.missing.length;
  const named: FaultSample[] = [];
  const seen = new Set<string>();
  for await (const item of open(source)) {
    if (named.length >= limit || options.signal?.aborted) break;
    const id = 'bodyHash' in item ? item.id : 'message' in item ? item.message.id : item.id;
    if (seen.has(id) || !comparison.isMissing(id)) continue;
    seen.add(id);
    const print = toFingerprint(item, options.headers);
    named.push({
      id: print.id,
      ...(print.key === undefined ? {} : { key: print.key }),
      ...(print.position === undefined ? {} : { position: print.position }),
    });
  }
  return { ...report, samples: { ...report.samples, missing: named } };
}
