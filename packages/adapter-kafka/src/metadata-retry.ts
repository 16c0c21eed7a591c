import { backoffDelay, delay } from '@polybus/core/adapter-kit';

/**
 * Runs `fn`, retrying up to 5 more times with backoff (100 ms to 2 s) when it fails because the topic's
 * metadata is not ready yet (see {@link isMetadataNotReady}), calling `refresh` (fetch fresh topic
 * metadata; its failure is ignored) before each retry. Rejects with the last error otherwise.
 */
export async function withMetadataRetry<T>(
  fn: () => Promise<T>,
  refresh: () => Promise<unknown>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 6 || !isMetadataNotReady(error)) throw error;
      await delay(backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: 2_000 }));
      await refresh().catch(() => undefined);
    }
  }
}

/**
 * True for what a client sees right after a topic was created elsewhere: a kafkajs error that says
 * `retriable: true` (NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE...), or the TypeError kafkajs's
 * `admin.fetchTopicOffsets` throws while its cached metadata lists no partition of the topic yet
 * (it destructures `partitions` of an empty offsets answer). Pure.
 */
export function isMetadataNotReady(error: unknown): boolean {
  if ((error as { retriable?: boolean } | null)?.retriable === true) return true;
  return error instanceof TypeError && /\bpartitions\b/.test(error.message);
}
