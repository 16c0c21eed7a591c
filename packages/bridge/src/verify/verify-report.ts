/** The kinds of difference verification finds. */
export type FaultKind = 'missing' | 'extra' | 'duplicated' | 'reordered' | 'altered';

/** Every fault kind, in report order. */
export const FAULT_KINDS: readonly FaultKind[] = ['missing', 'extra', 'duplicated', 'reordered', 'altered'];

/** Counts of each fault kind. */
export type FaultCounts = Record<FaultKind, number>;

/** One example of a fault, for the operator to look up. */
export interface FaultSample {
  /** Message id; for a missing message found without a second read of the source, `#<n>` (its ordinal in the source). */
  readonly id: string;
  readonly key?: string;
  /** Where it was read (sink for extra/duplicated/reordered/altered, source for missing). */
  readonly position?: string;
  /** For `altered`: what differs. */
  readonly detail?: 'body' | 'headers' | 'body+headers';
}

/** Faults of one key (`key` undefined: messages without a key). */
export interface KeyFaults extends FaultCounts {
  readonly key?: string;
}

/**
 * The outcome of comparing a source with a sink. `ok` is the exit status: true only when the sink
 * holds every source message with the same body (and compared headers). Duplicates, extras and
 * reordering do not clear `ok` (at-least-once delivery and parallel sinks may produce them) but do
 * clear `clean`.
 */
export interface VerifyReport {
  readonly ok: boolean;
  readonly clean: boolean;
  readonly source: { readonly messages: number; readonly duplicateIds: number };
  readonly sink: { readonly messages: number };
  readonly counts: FaultCounts & { readonly alteredBody: number; readonly alteredHeaders: number };
  /** Per-key faults, for keys with at least one fault (at most `maxKeys`; see `keysTruncated`). */
  readonly keys: readonly KeyFaults[];
  readonly keysTruncated: boolean;
  /** Up to `maxSamples` examples of each fault kind. */
  readonly samples: Readonly<Record<FaultKind, readonly FaultSample[]>>;
}

/** Zero counts. */
export function noFaults(): FaultCounts {
  return { missing: 0, extra: 0, duplicated: 0, reordered: 0, altered: 0 };
}
