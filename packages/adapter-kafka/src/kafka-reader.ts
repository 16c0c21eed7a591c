import { randomUUID } from 'node:crypto';
import { AddressError, type ReadOptions, type ReadRecord } from '@polybus/core';
import type { Admin, Kafka } from 'kafkajs';
import { fromKafkaRecord } from './kafka-record.js';
import { RecordChannel } from './record-channel.js';

/** Records a reader holds between the fetcher and the caller. */
const READ_BUFFER = 500;

/** The first offset to read per partition: `from` (`"p:o,p:o"` or one offset for all), else the log start. Pure. */
export function readStarts(
  from: string | undefined,
  offsets: ReadonlyArray<{ partition: number; low: string; high: string }>,
): Map<number, bigint> {
  const given = new Map<number, bigint>();
  let all: bigint | undefined;
  if (from !== undefined && from.trim() !== '') {
    for (const item of from.split(',')) {
      const match = /^\s*(?:(\d+):)?(\d+)\s*$/.exec(item);
      if (match === null)
        throw new AddressError(
          `invalid kafka read position "${item}": expected <offset> or <partition>:<offset>`,
        );
      if (match[1] === undefined) all = BigInt(match[2] as string);
      else given.set(Number(match[1]), BigInt(match[2] as string));
    }
  }
  const starts = new Map<number, bigint>();
  for (const { partition, low } of offsets) {
    const wanted = given.get(partition) ?? all ?? BigInt(low);
    starts.set(partition, wanted < BigInt(low) ? BigInt(low) : wanted);
  }
  return starts;
}

/**
 * Reads `topic` from the given starts up to the high watermarks captured at the start, with a
 * consumer of a throwaway group that never commits (its empty group is deleted at the end), so no
 * real group sees any change. Ends when every partition reached its captured end.
 */
export async function* readKafkaTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: ReadOptions = {},
): AsyncGenerator<ReadRecord> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const starts = readStarts(options.from, offsets);
  const ends = new Map<number, bigint>();
  for (const { partition, high } of offsets) {
    if ((starts.get(partition) as bigint) < BigInt(high)) ends.set(partition, BigInt(high));
  }
  if (ends.size === 0) return;
  const groupId = `polybus-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
  const channel = new RecordChannel<ReadRecord>(READ_BUFFER);
  const open = new Set(ends.keys());
  const finish = (partition: number): void => {
    if (open.delete(partition) && open.size === 0) channel.end();
  };
  consumer.on(consumer.events.CRASH, (event) => channel.fail(event.payload.error));
  const abort = (): void => channel.end();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        if (end === undefined || !open.has(batch.partition)) return;
        for (const record of batch.messages) {
          if (BigInt(record.offset) >= end) break;
          await channel.push({
            message: fromKafkaRecord(topic, batch.partition, record),
            part: String(batch.partition),
            position: record.offset,
          });
        }
        // lastOffset covers control records (transactions) and compacted gaps at the end.
        if (BigInt(batch.lastOffset()) >= end - 1n) finish(batch.partition);
      },
    });
    for (const [partition, start] of starts) {
      if (ends.has(partition)) consumer.seek({ topic, partition, offset: String(start) });
    }
    let count = 0;
    for (let record = await channel.next(); record !== undefined; record = await channel.next()) {
      if (options.limit !== undefined && count >= options.limit) break;
      count++;
      yield record;
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
    channel.close();
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
