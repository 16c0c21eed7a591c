import { describe, expect, it } from 'vitest';
import { isMetadataNotReady, withMetadataRetry } from './metadata-retry.js';

/** The TypeError kafkajs 2.2's admin.fetchTopicOffsets throws before its metadata lists the partitions. */
const emptyOffsets = (): TypeError => {
  try {
    const low: Array<{ partitions: unknown }> = [];
    const { partitions } = low.pop() as { partitions: unknown };
    return new TypeError(String(partitions));
  } catch (error) {
    return error as TypeError;
  }
};

describe('withMetadataRetry', () => {
  it('retries while the topic metadata is not ready, refreshing it before each retry', async () => {
    const failures: unknown[] = [emptyOffsets(), Object.assign(new Error('leader'), { retriable: true })];
    let refreshes = 0;
    const result = await withMetadataRetry(
      async () => {
        const next = failures.shift();
        if (next) throw next;
        return 'offsets';
      },
      async () => {
        refreshes++;
      },
    );
    expect(result).toBe('offsets');
    expect(refreshes).toBe(2);
  });

  it('rejects at once with any other error', async () => {
    let calls = 0;
    const failure = new TypeError('x is not a function');
    await expect(
      withMetadataRetry(
        async () => {
          calls++;
          throw failure;
        },
        async () => undefined,
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(isMetadataNotReady(emptyOffsets())).toBe(true);
    expect(isMetadataNotReady(Object.assign(new Error('auth'), { retriable: false }))).toBe(false);
  });
});
