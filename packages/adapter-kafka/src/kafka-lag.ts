import { type LagPart, type LagReport, lagReport } from '@polybus/core';
import type { Admin } from 'kafkajs';

/** One partition's offsets: the log start and end, and the group's committed offset (-1: none). */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
  readonly committed: string;
}

/**
 * The lag of one partition: high watermark minus committed offset; a partition with no commit (or a
 * commit below the log start, after retention removed records) counts from the log start. Kafka
 * does not tell which uncommitted records are in flight, so `waiting` and `inFlight` stay unknown.
 * Pure.
 */
export function partitionLag(offsets: PartitionOffsets): LagPart {
  const high = BigInt(offsets.high);
  const low = BigInt(offsets.low);
  let from = BigInt(offsets.committed);
  if (from < low) from = low;
  const total = high > from ? Number(high - from) : 0;
  return {
    name: String(offsets.partition),
    total,
    end: offsets.high,
    ...(offsets.committed === '-1' ? {} : { position: offsets.committed }),
  };
}

/**
 * The lag of `groupId` on `topic`, from two admin requests (ListOffsets and OffsetFetch): per
 * partition high watermark minus committed offset. `groupExists` is false when the group has
 * committed nothing on the topic (it then counts from the earliest retained offset).
 */
export async function fetchKafkaLag(admin: Admin, topic: string, groupId: string): Promise<LagReport> {
  const [ends, groups] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const committed = new Map<number, string>();
  for (const entry of groups.find((g) => g.topic === topic)?.partitions ?? [])
    committed.set(entry.partition, entry.offset);
  const parts = ends
    .map((end) =>
      partitionLag({
        partition: end.partition,
        low: end.low,
        high: end.high,
        committed: committed.get(end.partition) ?? '-1',
      }),
    )
    .sort((a, b) => Number(a.name) - Number(b.name));
  const groupExists = [...committed.values()].some((offset) => offset !== '-1');
  return lagReport(parts, { groupExists });
}
