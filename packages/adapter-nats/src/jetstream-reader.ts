import type { ReadOptions, ReadRecord } from '@polybus/core';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, nanos } from 'nats';
import { jetStreamMessageOf } from './jetstream-message.js';

/** Messages an ordered consumer buffers per pull. */
const PULL = 256;

/**
 * Reads the messages of `stream` on `subject` in stream order, from stream sequence `from`
 * (inclusive; default the first), up to the stream's last sequence captured at the start, with an
 * ephemeral pull consumer without acks (deleted at the end), invisible to durable consumers. Ends early when the
 * consumer reports nothing more pending. Nothing is consumed.
 */
export async function* readJetStream(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  options: ReadOptions = {},
): AsyncGenerator<ReadRecord> {
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  const end = info.state.last_seq;
  let onSubject = 0;
  for (const n of Object.values(info.state.subjects ?? {})) onSubject += n;
  const start = options.from === undefined ? undefined : Number(options.from);
  if (onSubject === 0 || end === 0 || (start !== undefined && start > end)) return;
  // An ephemeral pull consumer without acks (an ordered consumer would do, but its multi-filter
  // request hangs on servers before 2.10); removed at the end, and by the server after 30 s idle.
  const created = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    filter_subject: subject,
    mem_storage: true,
    inactive_threshold: nanos(30_000),
    ...(start === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }),
  });
  const consumer = await js.consumers.get(stream, created.name);
  const messages = await consumer.consume({ max_messages: PULL });
  let count = 0;
  try {
    for await (const m of messages) {
      if (options.signal?.aborted) break;
      if (m.seq > end) break;
      if (options.limit !== undefined && count >= options.limit) break;
      count++;
      yield { message: jetStreamMessageOf(m), part: stream, position: String(m.seq) };
      if (m.seq >= end || m.info.pending === 0) break;
    }
  } finally {
    // stop, not `await close()`: close waits for the iterator to drain its queue, which nobody
    // pulls once the loop above was left.
    messages.stop();
    await jsm.consumers.delete(stream, created.name).catch(() => undefined);
  }
}
