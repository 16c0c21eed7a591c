import type { ReadOptions, ReadRecord } from '@polybus/core';
import type { Redis } from 'ioredis';
import { decodeEntry } from './stream-entry.js';

/** Entries fetched per XRANGE page. */
const PAGE = 500;

/**
 * Reads `stream` with XRANGE pages of 500 from `from` (an entry id, inclusive; default the first
 * entry) up to the last entry id captured at the start (XREVRANGE + - COUNT 1), then ends. Nothing is
 * consumed: no group, no ack; memory is one page.
 */
export async function* readStream(
  cmd: Redis,
  stream: string,
  options: ReadOptions = {},
): AsyncGenerator<ReadRecord> {
  const last = await cmd.xrevrange(stream, '+', '-', 'COUNT', 1);
  const end = last[0]?.[0];
  if (end === undefined) return;
  let start = options.from ?? '-';
  let count = 0;
  while (!options.signal?.aborted) {
    const page = await cmd.xrangeBuffer(stream, start, end, 'COUNT', PAGE);
    for (const [rawId, fields] of page) {
      if (options.limit !== undefined && count >= options.limit) return;
      const entryId = rawId.toString('utf8');
      count++;
      yield { message: decodeEntry(entryId, fields), part: stream, position: entryId };
      start = `(${entryId}`;
    }
    if (page.length < PAGE) return;
  }
}
