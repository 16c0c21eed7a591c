import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisTransport, RedisTransportOptions } from '../src/index.js';
import { createTestTransport, REDIS_URL } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

describe.runIf(up)('pending entries: restart drain, prompt nack, leases, replay', () => {
  const raw = new Redis(REDIS_URL, { lazyConnect: true });
  const open: RedisTransport[] = [];
  async function transport(overrides: Partial<RedisTransportOptions> = {}): Promise<RedisTransport> {
    const t = createTestTransport(overrides);
    open.push(t);
    await t.connect();
    return t;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  });
  afterAll(async () => {
    await raw.quit().catch(() => undefined);
  });

  it('a restarted process with a stable consumer name gets its own pending entries first, attempt from the pending list', async () => {
    const stream = uniqueName('own');
    const group = uniqueName('g');
    const options = { consumerName: uniqueName('worker'), claimIdleMs: 600_000 };
    const first = await transport(options);
    const held = new Collector();
    await first.subscribe(stream, (d) => held.push(d), { group, maxInFlight: 3 });
    const sent = Array.from({ length: 8 }, (_, i) => createMessage({ body: `o-${i}` }));
    await first.publish(stream, sent);
    await held.waitFor(3, 10_000);
    await first.close({ timeoutMs: 0 });
    const pending = (await raw.xpending(stream, group, '-', '+', 10)) as Array<
      [string, string, number, number]
    >;
    expect(pending.map((p) => p[1])).toEqual([
      options.consumerName,
      options.consumerName,
      options.consumerName,
    ]);

    const second = await transport(options);
    const got = new Collector();
    await second.subscribe(
      stream,
      async (d: Delivery) => {
        got.push(d);
        await d.ack();
      },
      { group, maxInFlight: 3 },
    );
    await got.waitFor(8, 10_000);
    const firstThree = got.deliveries.slice(0, 3);
    expect(firstThree.map((d) => d.message.id)).toEqual(held.ids());
    for (const d of firstThree) expect(d.attempt).toBe(2);
    for (const d of got.deliveries.slice(3)) expect(d.attempt).toBe(1);
    expect(new Set(got.ids())).toEqual(new Set(sent.map((m) => m.id)));
  });

  it('a nack without delay redelivers promptly, not after claimIdleMs or blockMs', async () => {
    const t = await transport({ claimIdleMs: 600_000, blockMs: 10_000 });
    const stream = uniqueName('prompt');
    const times: number[] = [];
    const got = new Collector();
    await t.subscribe(
      stream,
      async (d) => {
        times.push(performance.now());
        got.push(d);
        if (d.attempt < 3) await d.nack();
        else await d.ack();
      },
      { group: uniqueName('g') },
    );
    const [m] = [createMessage({ body: 'again' })];
    await t.publish(stream, [m!]);
    await got.waitFor(3, 5_000);
    expect(got.deliveries.map((d) => [d.message.id, d.attempt])).toEqual([
      [m!.id, 1],
      [m!.id, 2],
      [m!.id, 3],
    ]);
    expect(times[2]! - times[0]!).toBeLessThan(1_000);
  });

  it('nack({ requeue: false }) drops the entry: acknowledged, never redelivered', async () => {
    const t = await transport();
    const stream = uniqueName('drop');
    const group = uniqueName('g');
    const got = new Collector();
    await t.subscribe(
      stream,
      async (d) => {
        got.push(d);
        if (bodyOf(d) === 'drop-me') await d.nack({ requeue: false });
        else await d.ack();
      },
      { group },
    );
    await t.publish(stream, [createMessage({ body: 'drop-me' })]);
    await got.waitFor(1, 5_000);
    await t.publish(stream, [createMessage({ body: 'marker' })]);
    await got.waitFor(2, 5_000);
    // Longer than claimIdleMs (1 s): a pending drop-me would have been reclaimed by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(got.deliveries.map(bodyOf)).toEqual(['drop-me', 'marker']);
    const summary = (await raw.xpending(stream, group)) as unknown[];
    expect(Number(summary[0])).toBe(0);
  });

  it('acks made in one turn go out together, and each resolves only once its entry left the pending list', async () => {
    const t = await transport();
    const stream = uniqueName('acks');
    const group = uniqueName('g');
    const got = new Collector();
    await t.subscribe(stream, (d) => got.push(d), { group, maxInFlight: 64 });
    await t.publish(
      stream,
      Array.from({ length: 40 }, (_, i) => createMessage({ body: `m${i}` })),
    );
    await got.waitFor(40, 5_000);
    expect(Number(((await raw.xpending(stream, group)) as unknown[])[0])).toBe(40);
    const ids = got.deliveries.map((d) => d.source.streamId as string);
    expect(new Set(ids).size).toBe(40);
    // First half in one turn, second half in the next: every ack is checked against Redis as it resolves.
    const stillPending: string[] = [];
    const settle = (d: Delivery) =>
      d.ack().then(async () => {
        const id = d.source.streamId as string;
        const left = (await raw.xpending(stream, group, id, id, 1)) as unknown[];
        if (left.length > 0) stillPending.push(id);
      });
    const first = got.deliveries.slice(0, 20).map(settle);
    await new Promise((r) => setImmediate(r));
    const second = got.deliveries.slice(20).map(settle);
    await Promise.all([...first, ...second]);
    expect(stillPending).toEqual([]);
    expect(Number(((await raw.xpending(stream, group)) as unknown[])[0])).toBe(0);

    // The group vanished with its pending list: acks of a batch still resolve (nothing left to ack).
    await t.publish(stream, [createMessage({ body: 'x' }), createMessage({ body: 'y' })]);
    await got.waitFor(42, 5_000);
    await raw.xgroup('DESTROY', stream, group);
    await expect(Promise.all(got.deliveries.slice(40).map((d) => d.ack()))).resolves.toHaveLength(2);
  });

  it('a handler slower than claimIdleMs keeps its entry: the lease heartbeat stops other members reclaiming it', async () => {
    const stream = uniqueName('lease');
    const group = uniqueName('g');
    const a = await transport({ claimIdleMs: 300 });
    const b = await transport({ claimIdleMs: 300 });
    const onA = new Collector();
    const onB = new Collector();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    await a.subscribe(
      stream,
      async (d) => {
        onA.push(d);
        await gate;
        await d.ack();
      },
      { group, maxInFlight: 1 },
    );
    await t0(a, stream);
    await onA.waitFor(1, 5_000);
    await b.subscribe(
      stream,
      async (d) => {
        onB.push(d);
        await d.ack();
      },
      { group },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(onB.count, 'the slow entry was not reclaimed by the other member').toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 200));
    expect(onA.count).toBe(1);
    const summary = (await raw.xpending(stream, group)) as unknown[];
    expect(Number(summary[0])).toBe(0);
  });

  it('from: earliest replays what the stream already holds, for a new group and for a private reader', async () => {
    const t = await transport();
    const stream = uniqueName('replay');
    const before = Array.from({ length: 3 }, (_, i) => createMessage({ body: `old-${i}` }));
    await t.publish(stream, before);
    const grouped = new Collector();
    await t.subscribe(stream, async (d) => grouped.push(d), { group: uniqueName('g'), from: 'earliest' });
    const tail = new Collector();
    await t.subscribe(stream, async (d) => tail.push(d), { from: 'earliest' });
    const latest = new Collector();
    await t.subscribe(stream, async (d) => latest.push(d), { group: uniqueName('g') });
    const after = createMessage({ body: 'new' });
    await t.publish(stream, [after]);
    await Promise.all([grouped.waitFor(4, 5_000), tail.waitFor(4, 5_000), latest.waitFor(1, 5_000)]);
    const all = [...before, after].map((m) => m.id);
    expect(grouped.ids()).toEqual(all);
    expect(tail.ids()).toEqual(all);
    expect(latest.ids()).toEqual([after.id]);
  });

  it('a generated consumer is removed from the group on a clean close; one with pending entries stays', async () => {
    const t = await transport();
    const stream = uniqueName('tidy');
    const group = uniqueName('g');
    const held = new Collector();
    const holding = await t.subscribe(stream, (d) => held.push(d), { group, maxInFlight: 1 });
    await t.publish(stream, [createMessage({ body: 'held' })]);
    await held.waitFor(1, 5_000);
    const acked = new Collector();
    const clean = await t.subscribe(
      stream,
      async (d) => {
        acked.push(d);
        await d.ack();
      },
      { group },
    );
    await t.publish(
      stream,
      Array.from({ length: 5 }, (_, i) => createMessage({ body: `c-${i}` })),
    );
    await acked.waitFor(5, 5_000);
    const consumers = async () =>
      ((await raw.xinfo('CONSUMERS', stream, group)) as unknown[][]).map((c) =>
        String(c[c.indexOf('name') + 1]),
      );
    expect(await consumers()).toHaveLength(2);
    await clean.close();
    await holding.close({ timeoutMs: 0 });
    expect(await consumers()).toHaveLength(1);
  });

  it('maxLen trims the stream approximately on every XADD', async () => {
    const t = await transport({ maxLen: 100 });
    const stream = uniqueName('trim');
    for (let i = 0; i < 10; i++) {
      await t.publish(
        stream,
        Array.from({ length: 100 }, (_, j) => createMessage({ body: `t-${i}-${j}` })),
      );
    }
    const length = await raw.xlen(stream);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });
});

function bodyOf(d: Delivery): string {
  return Buffer.from(d.message.body).toString();
}

async function t0(t: RedisTransport, stream: string): Promise<void> {
  await t.publish(stream, [createMessage({ body: 'slow' })]);
}
