/** One entry of a stream reply: its id and its field/value list (`null` when the entry was deleted). */
export interface RawEntry {
  readonly id: string;
  readonly fields: Buffer[] | null;
}

const str = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/**
 * The field list as Buffers. A reply read with callBuffer already holds nothing else: that array (a
 * fresh one per reply) is used as it is instead of being copied per entry.
 */
function fieldBuffers(list: unknown[]): Buffer[] {
  for (const f of list) {
    if (!Buffer.isBuffer(f)) return list.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(str(v))));
  }
  return list as Buffer[];
}

/** Entries of an entry list (`[[id, [f, v, ...] | nil], ...]`), as XCLAIM and XRANGE return it. Pure. */
export function parseEntryList(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: RawEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 1) continue;
    const fields = Array.isArray(item[1]) ? fieldBuffers(item[1] as unknown[]) : null;
    entries.push({ id: str(item[0]), fields });
  }
  return entries;
}

/** Entries of the first stream of an XREAD / XREADGROUP reply (`null` on a timeout). Pure. */
export function parseReadReply(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first = reply[0] as unknown;
  if (!Array.isArray(first)) return [];
  return parseEntryList(first[1]);
}

/** An XAUTOCLAIM reply: the cursor to continue from, the claimed entries, ids that were deleted. */
export interface AutoClaimReply {
  readonly cursor: string;
  readonly entries: RawEntry[];
  readonly deleted: string[];
}

/** Parses an XAUTOCLAIM reply (`[cursor, entries, deleted?]`). Pure. */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  if (!Array.isArray(reply)) return { cursor: '0-0', entries: [], deleted: [] };
  const deleted = Array.isArray(reply[2]) ? (reply[2] as unknown[]).map(str) : [];
  return {
    cursor: reply[0] === undefined ? '0-0' : str(reply[0]),
    entries: parseEntryList(reply[1]),
    deleted,
  };
}

/**
 * The delivery count of the one entry an `XPENDING <key> <group> <id> <id> 1` reply describes
 * (`[[id, consumer, idle, count]]`), or `fallback` when the entry is no longer pending. Pure.
 */
export function parsePendingCount(reply: unknown, fallback: number): number {
  if (!Array.isArray(reply) || !Array.isArray(reply[0])) return fallback;
  const count = Number(str((reply[0] as unknown[])[3]));
  return Number.isInteger(count) && count >= 1 ? count : fallback;
}
