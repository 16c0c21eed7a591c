import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestTransport, REDIS_URL } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

/** Ids of the clients whose name starts with `prefix`, from CLIENT LIST. */
async function clientIds(admin: Redis, prefix: string): Promise<string[]> {
  const list = await admin.client('LIST');
  return String(list)
    .split('\n')
    .filter((line) => / name=(\S+)/.exec(line)?.[1]?.startsWith(prefix))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(up)('CLIENT KILL of the blocking reader connection', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await admin.quit().catch(() => undefined);
  });

  it('reading resumes on a new connection and every message arrives exactly once', async () => {
    const prefix = uniqueName('kill');
    const t = createTestTransport({ connectionNamePrefix: prefix });
    try {
      await t.connect();
      const stream = uniqueName('kill-s');
      const collector = new Collector();
      await t.subscribe(
        stream,
        async (d) => {
          collector.push(d);
          await d.ack();
        },
        { group: uniqueName('g'), maxInFlight: 8 },
      );
      const before = await clientIds(admin, `${prefix}:reader:`);
      expect(before).toHaveLength(1);

      const sent: string[] = [];
      const publishSome = async (n: number): Promise<void> => {
        const batch = Array.from({ length: n }, (_, i) => createMessage({ body: `m-${sent.length + i}` }));
        await t.publish(stream, batch);
        sent.push(...batch.map((m) => m.id));
      };
      await publishSome(20);
      await collector.waitFor(20, 10_000);
      // Kill the reader three times while publishing keeps going.
      for (let round = 0; round < 3; round++) {
        const ids = await clientIds(admin, `${prefix}:reader:`);
        expect(ids.length, 'one reader connection').toBe(1);
        const killed = await admin.client('KILL', 'ID', ids[0]!);
        expect(Number(killed)).toBe(1);
        await publishSome(30);
        await waitUntil(
          async () => (await clientIds(admin, `${prefix}:reader:`)).length === 1,
          10_000,
          'reconnect',
        );
      }
      await collector.waitFor(sent.length, 15_000, 'messages after the kills');
      const got = collector.ids();
      expect(new Set(got).size).toBe(got.length);
      expect(new Set(got)).toEqual(new Set(sent));
      const after = await clientIds(admin, `${prefix}:reader:`);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);
      expect(t.health().state).toBe('up');
    } finally {
      await t.close({ timeoutMs: 1_000 });
    }
  });

  it('entries held by a consumer whose connections were killed and that crashed are reclaimed by a survivor with attempt 2', async () => {
    const prefix = uniqueName('killp');
    const stream = uniqueName('killp-s');
    const group = uniqueName('g');
    // First process: takes 4 entries and never settles them, then all its connections are killed
    // and it is closed without waiting (a crash).
    const dead = createTestTransport({ connectionNamePrefix: prefix });
    const held = new Collector();
    await dead.connect();
    await dead.subscribe(stream, (d) => held.push(d), { group, maxInFlight: 4 });
    const messages = Array.from({ length: 10 }, (_, i) => createMessage({ body: `p-${i}` }));
    await dead.publish(stream, messages);
    await held.waitFor(4, 10_000);
    for (const id of await clientIds(admin, `${prefix}:`)) await admin.client('KILL', 'ID', id);
    await dead.close({ timeoutMs: 0 });

    // Survivor of the same group: gets the 6 unread entries at once and the 4 pending ones once they
    // are idle for claimIdleMs, with the pending list's delivery count as attempt.
    const survivor = createTestTransport();
    try {
      await survivor.connect();
      const got = new Collector();
      await survivor.subscribe(
        stream,
        async (d: Delivery) => {
          got.push(d);
          await d.ack();
        },
        { group },
      );
      await got.waitFor(10, 15_000, 'reclaimed and unread entries');
      expect(new Set(got.ids())).toEqual(new Set(messages.map((m) => m.id)));
      const heldIds = new Set(held.ids());
      for (const d of got.deliveries) expect(d.attempt).toBe(heldIds.has(d.message.id) ? 2 : 1);
      await waitUntil(
        async () => {
          const summary = (await admin.xpending(stream, group)) as unknown[];
          return Number(summary[0]) === 0;
        },
        5_000,
        'an empty pending list',
      );
    } finally {
      await survivor.close({ timeoutMs: 1_000 });
    }
  });

  it('a killed private tail reader and a killed Pub/Sub subscriber come back and keep receiving', async () => {
    const prefix = uniqueName('killt');
    const t = createTestTransport({ connectionNamePrefix: prefix });
    try {
      await t.connect();
      const stream = uniqueName('killt-s');
      const channel = uniqueName('killt-c');
      const onStream = new Collector();
      const onChannel = new Collector();
      await t.subscribe(stream, (d) => onStream.push(d));
      await t.subscribe({ channel }, (d) => onChannel.push(d));
      await t.publish(stream, [createMessage({ body: 's-1' })]);
      await t.publish({ channel }, [createMessage({ body: 'c-1' })]);
      await Promise.all([onStream.waitFor(1, 5_000), onChannel.waitFor(1, 5_000)]);

      const killed = [
        ...(await clientIds(admin, `${prefix}:tail:`)),
        ...(await clientIds(admin, `${prefix}:sub:`)),
      ];
      expect(killed).toHaveLength(2);
      for (const id of killed) await admin.client('KILL', 'ID', id);
      // The stream reader resumes from its last id: an entry added right away is not missed.
      await t.publish(stream, [createMessage({ body: 's-2' })]);
      // Pub/Sub keeps nothing: publish once Redis shows the re-subscription.
      await waitUntil(
        async () => Number(((await admin.pubsub('NUMSUB', channel)) as unknown[])[1]) === 1,
        10_000,
        're-subscription',
      );
      await t.publish({ channel }, [createMessage({ body: 'c-2' })]);
      await Promise.all([onStream.waitFor(2, 10_000), onChannel.waitFor(2, 10_000)]);
      expect(onStream.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual(['s-1', 's-2']);
      expect(onChannel.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual(['c-1', 'c-2']);
      const now = [
        ...(await clientIds(admin, `${prefix}:tail:`)),
        ...(await clientIds(admin, `${prefix}:sub:`)),
      ];
      expect(now).toHaveLength(2);
      for (const id of killed) expect(now).not.toContain(id);
    } finally {
      await t.close({ timeoutMs: 1_000 });
    }
  });
});
