/**
 * The metadata this adapter stores with every offset commit: how far the committing member handed
 * records to a handler, so a later owner of the partition reports `attempt >= 2` for redeliveries.
 */
export interface CommitMetadata {
  /** One past the highest offset delivered, as a decimal string. */
  readonly deliveredUpTo: string;
}

/** The commit metadata text for `deliveredUpTo` (JSON, read back by {@link parseCommitMetadata}). Pure. */
export function formatCommitMetadata(deliveredUpTo: string): string {
  return JSON.stringify({ deliveredUpTo } satisfies CommitMetadata);
}

/**
 * Reads this adapter's commit metadata; anything else (empty, another client's metadata, a malformed
 * offset) gives undefined. Pure; never throws.
 */
export function parseCommitMetadata(text: string | null | undefined): CommitMetadata | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    const delivered = (value as Partial<CommitMetadata> | null)?.deliveredUpTo;
    return typeof delivered === 'string' && /^\d+$/.test(delivered)
      ? { deliveredUpTo: delivered }
      : undefined;
  } catch {
    return undefined;
  }
}
