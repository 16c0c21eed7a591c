import { createMessage, type Delivery } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '../src/index.js';
import { createTestTransport, createTopic, KAFKA_HOST, KAFKA_PORT, rawAdmin } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

const TOTAL = 20_000;
const KEYS = 64;
const PARTITIONS = 6;

/** Acked offsets per partition, across every member, and the contiguous frontier derived from them. */
class AckLedger {
  readonly #acked = new Map<number, Set<number>>();
  readonly #next = new Map<number, number>();

  record(partition: number, offset: number): void {
    let set = this.#acked.get(partition);
    if (!set) {
      set = new Set();
      this.#acked.set(partition, set);
    }
    set.add(offset);
    let next = this.#next.get(partition) ?? 0;
    while (set.has(next)) next++;
    this.#next.set(partition, next);
  }

  /** One past the highest offset n such that every offset 0..n was acked by some member. */
  contiguousNext(partition: number): number {
    return this.#next.get(partition) ?? 0;
  }
}

describe.runIf(up)('kafka rebalance under load', () => {
  const open: KafkaTransport[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 2_000 })));
  });

  it(`a member joining and leaving mid-stream of ${TOTAL} keyed messages loses none, keeps key order, never commits past an unacked offset`, async () => {
    const admin = rawAdmin();
    await admin.connect();
    const topic = await createTopic(admin, uniqueName('rebalance'), PARTITIONS);
    const group = uniqueName('g-rebalance');
    const ledger = new AckLedger();
    const violations: string[] = [];
    const commitsSeen = { count: 0 };
    const onCommit = (info: {
      groupId: string;
      commits: ReadonlyArray<{ partition: number; offset: string }>;
    }) => {
      if (info.groupId !== group) return;
      commitsSeen.count++;
      for (const c of info.commits) {
        const limit = ledger.contiguousNext(c.partition);
        if (Number(c.offset) > limit) {
          violations.push(`hook: committed ${c.offset} on p${c.partition}, contiguous acked up to ${limit}`);
        }
      }
    };

    const seen = new Set<string>(); // `${key}:${seq}` delivered at least once
    const maxSeq = new Map<string, number>(); // highest seq delivered per key
    const gaps: string[] = [];
    let deliveries = 0;
    let nacks = 0;
    const perMember = new Map<string, number>();
    const handler = (member: string) => async (d: Delivery) => {
      const { k, s } = JSON.parse(Buffer.from(d.message.body).toString()) as { k: string; s: number };
      expect(d.message.key).toBe(k);
      const top = maxSeq.get(k) ?? -1;
      // In order per key: the next one, or a replay of an earlier one after a rebalance; never a jump ahead.
      if (s > top + 1) gaps.push(`${k}: got ${s} after ${top} (member ${member})`);
      if (s > top) maxSeq.set(k, s);
      seen.add(`${k}:${s}`);
      deliveries++;
      perMember.set(member, (perMember.get(member) ?? 0) + 1);
      // Some messages are nacked once, some acked late: a commit past either would be caught below.
      if (s % 101 === 7 && d.attempt === 1) {
        nacks++;
        await d.nack();
        return;
      }
      if (s % 37 === 0) await new Promise((r) => setTimeout(r, 15));
      ledger.record(d.source.partition!, Number(d.source.offset));
      await d.ack();
    };

    const a = createTestTransport({ onCommit });
    const b = createTestTransport({ onCommit });
    open.push(a, b);
    await a.connect();
    await b.connect();
    await a.subscribe(topic, handler('a'), { group, maxInFlight: 16 });

    // Checkpoints: read the group's committed offsets from the broker while everything runs.
    let checking = true;
    let checkpoints = 0;
    const checker = (async () => {
      while (checking) {
        const snapshot = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        checkpoints++;
        for (const p of snapshot[0]?.partitions ?? []) {
          const committed = Number(p.offset);
          const limit = ledger.contiguousNext(p.partition);
          if (committed > limit)
            violations.push(
              `broker: committed ${committed} on p${p.partition}, contiguous acked up to ${limit}`,
            );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const seqOf = new Map<string, number>();
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i += 500) {
        const batch = Array.from({ length: 500 }, (_, j) => {
          const k = `k${(i + j) % KEYS}`;
          const s = seqOf.get(k) ?? 0;
          seqOf.set(k, s + 1);
          return createMessage({ key: k, body: JSON.stringify({ k, s }) });
        });
        await a.publish(topic, batch);
        // Pace the stream so the join and the leave happen mid-stream.
        await new Promise((r) => setTimeout(r, 60));
      }
    })();

    const waitUntil = async (cond: () => boolean, what: string, ms = 90_000) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; ${seen.size} distinct seen`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await waitUntil(() => seen.size >= TOTAL * 0.2, '20% consumed');
    const subB = await b.subscribe(topic, handler('b'), { group, maxInFlight: 16 });
    const bJoinedAt = seen.size;
    await waitUntil(() => (perMember.get('b') ?? 0) >= 2_000, 'member b to take a share');
    await subB.close({ timeoutMs: 5_000 });
    const bLeftAt = seen.size;
    await publishing;
    await waitUntil(() => seen.size === TOTAL, 'all messages');

    // Every partition's committed offset reaches its end: the final commits happen and are exact.
    const ends = await admin.fetchTopicOffsets(topic);
    const deadline = Date.now() + 20_000;
    let committedAtEnd: Array<{ partition: number; offset: string }> = [];
    for (;;) {
      committedAtEnd = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
      const done = ends.every(
        (e) => committedAtEnd.find((c) => c.partition === e.partition)?.offset === e.high,
      );
      if (done || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    checking = false;
    await checker;
    await admin.disconnect();

    console.log(
      `rebalance: ${deliveries} deliveries of ${TOTAL} messages (${deliveries - TOTAL} redelivered, ${nacks} nacked), ` +
        `a=${perMember.get('a')} b=${perMember.get('b')}, b joined at ${bJoinedAt} and left at ${bLeftAt} distinct, ` +
        `${checkpoints} broker checkpoints, ${commitsSeen.count} commits checked, ${violations.length} violations`,
    );
    expect(seen.size).toBe(TOTAL);
    expect(nacks).toBeGreaterThan(0);
    // Redeliveries beyond the nacks come only from what was read and not committable at a rebalance
    // (in flight, or acked behind an unacked record: tens per partition); a member rewinding below the
    // group's committed offsets would show thousands.
    expect(deliveries - TOTAL - nacks, 'redeliveries beyond nacks').toBeLessThanOrEqual(200);
    for (let k = 0; k < KEYS; k++) expect(maxSeq.get(`k${k}`)).toBe(seqOf.get(`k${k}`)! - 1);
    expect(gaps).toEqual([]);
    expect(violations).toEqual([]);
    expect(bJoinedAt).toBeLessThan(TOTAL);
    expect(bLeftAt).toBeLessThan(TOTAL);
    expect(perMember.get('b')).toBeGreaterThan(0);
    expect(checkpoints).toBeGreaterThan(5);
    expect(commitsSeen.count).toBeGreaterThan(5);
    for (const e of ends) {
      expect(
        committedAtEnd.find((c) => c.partition === e.partition)?.offset,
        `p${e.partition} committed to its end`,
      ).toBe(e.high);
    }
  }, 180_000);
});
