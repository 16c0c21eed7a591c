import { type LagReport, lagReport } from '@polybus/core';
import type { Redis } from 'ioredis';

/** The fields of one XINFO GROUPS entry that lag needs. */
export interface GroupInfo {
  readonly name: string;
  readonly pending: number;
  readonly lastDeliveredId: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (trimmed or deleted entries). */
  readonly lag: number | null;
}

/** Parses an XINFO GROUPS reply (a list of flat field/value lists). Pure; unknown fields are ignored. */
export function parseGroupInfos(reply: unknown): GroupInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry: unknown) => {
    const fields = new Map<string, unknown>();
    const list = Array.isArray(entry) ? entry : [];
    for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), list[i + 1]);
    const lag = fields.get('lag');
    return {
      name: String(fields.get('name') ?? ''),
      pending: Number(fields.get('pending') ?? 0),
      lastDeliveredId: String(fields.get('last-delivered-id') ?? '0-0'),
      lag: lag === null || lag === undefined ? null : Number(lag),
    };
  });
}

/**
 * The lag report of `group` on `stream` from its XINFO GROUPS entry and the stream length: `waiting`
 * is the group's `lag` (entries not yet delivered), `inFlight` its `pending` (delivered, not acked).
 * Redis reports `lag` null when the stream was trimmed or entries deleted past the group: `waiting`
 * is then the stream length (an upper bound) and `exact` false. A group that does not exist counts
 * the whole stream (what a new group starting at `earliest` would read). Pure.
 */
export function streamLagReport(
  stream: string,
  group: string,
  infos: readonly GroupInfo[],
  length: number,
): LagReport {
  const info = infos.find((g) => g.name === group);
  if (info === undefined) {
    return lagReport([{ name: stream, total: length, waiting: length, inFlight: 0 }], { groupExists: false });
  }
  const waiting = info.lag ?? length;
  return lagReport(
    [
      {
        name: stream,
        total: waiting + info.pending,
        waiting,
        inFlight: info.pending,
        position: info.lastDeliveredId,
      },
    ],
    { exact: info.lag !== null },
  );
}

/** True when a Redis error says the key does not exist. */
function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && /no such key/i.test(error.message);
}

/** Asks Redis (XINFO GROUPS and XLEN in one round trip) for the lag of `group` on `stream`. Redis 7+. */
export async function fetchStreamLag(cmd: Redis, stream: string, group: string): Promise<LagReport> {
  const replies = await cmd.multi().call('XINFO', 'GROUPS', stream).xlen(stream).exec();
  const [infoReply, lengthReply] = replies ?? [];
  if (infoReply?.[0]) {
    if (isNoSuchKey(infoReply[0])) return streamLagReport(stream, group, [], 0);
    throw infoReply[0];
  }
  if (lengthReply?.[0]) throw lengthReply[0];
  return streamLagReport(stream, group, parseGroupInfos(infoReply?.[1]), Number(lengthReply?.[1] ?? 0));
}
