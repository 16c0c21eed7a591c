// Over 300 lines: the conformance suite is one list of behaviour tests, each selected by a capability;
// keeping them in one file keeps the list readable as the contract's checklist.
import { afterEach, describe, expect, it } from 'vitest';
import type { Address } from '../address.js';
import type { Capabilities } from '../capabilities.js';
import { isPolybusError } from '../errors.js';
import { createMessage, type Message } from '../message.js';
import type { Delivery, DeliveryHandler, SubscribeOptions, Subscription, Transport } from '../transport.js';
import { capabilitiesOf } from '../transport.js';
import { Collector, deferred, uniqueName } from './collector.js';

/** How an adapter's test file plugs into the conformance suite. */
export interface ConformanceOptions {
  /** Shown in the suite title, e.g. `amqp`. */
  name: string;
  /** Creates a new, unconnected transport. Called several times per test (one per "process"). */
  createTransport(): Transport | Promise<Transport>;
  /**
   * The adapter's group-capable address for a fresh unique `name` (create streams, topics with 2 or
   * more partitions, etc. here or on first use).
   */
  address(name: string): Address | Promise<Address>;
  /** An address the adapter must reject on publish with a typed PolybusError. */
  invalidAddress: Address;
  /** Capabilities to test against. @defaultValue the transport's own `capabilities` */
  capabilities?: Capabilities;
  /** Messages in the bulk no-loss test. @defaultValue 10000 */
  bulkCount?: number;
  /** Upper bound of every wait in the suite, in ms. @defaultValue 30000 */
  timeoutMs?: number;
}

const enc = new TextEncoder();

/**
 * Registers the polybus conformance suite with vitest: one `describe` block holding the tests the
 * adapter's capabilities select (a behaviour it does not declare is not tested, and is named in the
 * block's title). Every test creates its own unique addresses and groups, so leftovers of earlier
 * runs never matter, and closes every transport it opened. Await it at the top level of the test
 * file: it connects once to read the capabilities the transport reports for a sample address.
 */
export async function describeConformance(options: ConformanceOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const bulkCount = options.bulkCount ?? 10_000;
  const open: Transport[] = [];

  async function transport(): Promise<Transport> {
    const t = await options.createTransport();
    open.push(t);
    await t.connect();
    return t;
  }

  const probe = await options.createTransport();
  await probe.connect();
  const reported = capabilitiesOf(probe, await options.address(uniqueName('probe')));
  await probe.close({ timeoutMs: 1_000 });
  const c = options.capabilities ?? reported;
  const capsPromise = Promise.resolve(c);

  async function collect(
    t: Transport,
    address: Address,
    subscribeOptions: SubscribeOptions,
    onDelivery: (d: Delivery) => void | Promise<void> = (d) => d.ack(),
  ): Promise<{ collector: Collector; subscription: Subscription }> {
    const collector = new Collector();
    const handler: DeliveryHandler = async (d) => {
      collector.push(d);
      await onDelivery(d);
    };
    const subscription = await t.subscribe(address, handler, subscribeOptions);
    return { collector, subscription };
  }

  const notTested: string[] = [];
  const when =
    (flag: keyof Capabilities) =>
    (...more: Array<keyof Capabilities>): boolean => {
      const missing = [flag, ...more].filter((f) => !c[f]);
      for (const f of missing) if (!notTested.includes(f)) notTested.push(f);
      return missing.length === 0;
    };
  const applies = {
    orderedPerKey: () => when('orderedPerKey')(),
    consumerGroups: () => when('consumerGroups')(),
    persistent: () => when('persistent')(),
    nackDelay: () => when('nackDelay')('persistent'),
    handover: () => when('persistent')('consumerGroups'),
  };

  function test(name: string, enabled: boolean, body: () => Promise<void>, extraTime = 0): void {
    if (enabled) it(name, body, timeoutMs * 2 + extraTime);
  }
  const always = true;

  function groupOf(caps: Capabilities): SubscribeOptions {
    return caps.consumerGroups ? { group: uniqueName('g') } : {};
  }

  // Evaluate every gate first so the block's title can name what is not declared.
  const gates = {
    order: applies.orderedPerKey(),
    groups: applies.consumerGroups(),
    persistent: applies.persistent(),
    nackDelay: applies.nackDelay(),
    handover: applies.handover(),
  };
  const title = notTested.length === 0 ? '' : ` (not declared, so not tested: ${notTested.join(', ')})`;

  describe(`conformance: ${options.name}${title}`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 }).catch(() => undefined)));
    });

    test('round trip keeps id, body bytes, headers and key byte-exact', always, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('rt'));
      const { collector } = await collect(t, address, groupOf(c));
      const big = new Uint8Array(Math.min(1024 * 1024, c.maxMessageBytes - 8 * 1024));
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      const binary = new Uint8Array(256);
      for (let i = 0; i < 256; i++) binary[i] = i;
      const sent: Message[] = [
        createMessage({ body: binary, key: 'k-binary', headers: { 'x-kind': 'binary' } }),
        createMessage({
          body: 'grüße, 世界, 🚀',
          key: 'k-unicode',
          headers: { 'x-kind': 'unicode', 'x-note': 'ünï ✓' },
        }),
        createMessage({ body: new Uint8Array(0), headers: { 'x-kind': 'empty' } }),
        createMessage({ body: big, key: 'k-big', headers: { 'x-kind': 'big' } }),
      ];
      await t.publish(address, sent);
      await collector.waitFor(sent.length, timeoutMs);
      const byId = new Map(collector.deliveries.map((d) => [d.message.id, d.message]));
      expect(byId.size).toBe(sent.length);
      for (const m of sent) {
        const got = byId.get(m.id);
        expect(got, `message ${m.headers['x-kind']} arrived`).toBeDefined();
        expect(Buffer.from(got!.body).equals(Buffer.from(m.body)), `${m.headers['x-kind']} body bytes`).toBe(
          true,
        );
        expect(got!.key).toBe(m.key);
        if (c.headers) {
          for (const [k, v] of Object.entries(m.headers)) expect(got!.headers[k], `header ${k}`).toBe(v);
        }
        expect(Math.abs(got!.timestamp - m.timestamp)).toBeLessThan(1000);
      }
    });

    test(
      `${bulkCount} messages: none lost, none duplicated`,
      always,
      async () => {
        const c = await capsPromise;
        const t = await transport();
        const address = await options.address(uniqueName('bulk'));
        const { collector } = await collect(t, address, { ...groupOf(c), maxInFlight: 256 });
        const sentIds = new Set<string>();
        const batch = 500;
        for (let i = 0; i < bulkCount; i += batch) {
          const messages = Array.from({ length: Math.min(batch, bulkCount - i) }, (_, j) =>
            createMessage({ body: `m-${i + j}`, key: `k${(i + j) % 16}` }),
          );
          for (const m of messages) sentIds.add(m.id);
          await t.publish(address, messages);
        }
        await collector.waitFor(bulkCount, timeoutMs * 2, 'bulk messages');
        const ids = collector.ids();
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(bulkCount);
        for (const id of ids) expect(sentIds.has(id)).toBe(true);
      },
      timeoutMs * 2,
    );

    test('order per key holds with concurrent handlers and nacks', gates.order, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('order'));
      const perKey = 200;
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const active = new Map<string, number>();
      const acked = new Map<string, number[]>();
      let overlaps = 0;
      let done = 0;
      const all = deferred();
      await t.subscribe(
        address,
        async (d) => {
          const key = d.message.key as string;
          const seq = Number(Buffer.from(d.message.body).toString());
          if ((active.get(key) ?? 0) > 0) overlaps++;
          active.set(key, (active.get(key) ?? 0) + 1);
          // Later messages finish sooner: any concurrency within a key would reorder the acks.
          await new Promise((r) => setTimeout(r, seq % 4 === 0 ? 3 : 0));
          active.set(key, (active.get(key) ?? 1) - 1);
          if (seq % 17 === 5 && d.attempt === 1) {
            await d.nack();
            return;
          }
          acked.set(key, [...(acked.get(key) ?? []), seq]);
          await d.ack();
          if (++done === perKey * keys.length) all.resolve();
        },
        { ...groupOf(c), maxInFlight: 8 },
      );
      const messages: Message[] = [];
      for (let i = 0; i < perKey; i++) {
        for (const key of keys) messages.push(createMessage({ body: String(i), key }));
      }
      for (let i = 0; i < messages.length; i += 100) await t.publish(address, messages.slice(i, i + 100));
      await Promise.race([
        all.promise,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`timed out: ${done} acked`)), timeoutMs),
        ),
      ]);
      expect(overlaps, 'two messages of one key were in handlers at the same time').toBe(0);
      const expected = Array.from({ length: perKey }, (_, i) => i);
      for (const key of keys) expect(acked.get(key), `acks of key ${key} in publish order`).toEqual(expected);
    });

    test('two groups each receive every message', gates.groups, async () => {
      const t = await transport();
      const address = await options.address(uniqueName('groups'));
      const a = await collect(t, address, { group: uniqueName('ga') });
      const b = await collect(t, address, { group: uniqueName('gb') });
      const sent = Array.from({ length: 200 }, (_, i) => createMessage({ body: `g-${i}` }));
      await t.publish(address, sent);
      await Promise.all([a.collector.waitFor(200, timeoutMs), b.collector.waitFor(200, timeoutMs)]);
      const ids = sent.map((m) => m.id).sort();
      expect([...a.collector.ids()].sort()).toEqual(ids);
      expect([...b.collector.ids()].sort()).toEqual(ids);
    });

    test('two members of one group split the stream with no overlap', gates.groups, async () => {
      const group = uniqueName('gshared');
      const address = await options.address(uniqueName('share'));
      const t1 = await transport();
      const t2 = await transport();
      const m1 = await collect(t1, address, { group, maxInFlight: 4 });
      const m2 = await collect(t2, address, { group, maxInFlight: 4 });
      const total = 400;
      const sent = Array.from({ length: total }, (_, i) => createMessage({ body: `s-${i}`, key: `k${i}` }));
      for (let i = 0; i < total; i += 50) await t1.publish(address, sent.slice(i, i + 50));
      const all = new Collector();
      const done = all.waitFor(total, timeoutMs);
      const feed = (col: Collector) => {
        for (const d of col.deliveries) all.push(d);
        const push = col.push.bind(col);
        col.push = (d) => {
          push(d);
          all.push(d);
        };
      };
      feed(m1.collector);
      feed(m2.collector);
      await done;
      const ids1 = m1.collector.ids();
      const ids2 = m2.collector.ids();
      const overlap = ids1.filter((id) => ids2.includes(id));
      expect(overlap).toEqual([]);
      expect(new Set([...ids1, ...ids2]).size).toBe(total);
      expect(ids1.length, 'first member got a share').toBeGreaterThan(0);
      expect(ids2.length, 'second member got a share').toBeGreaterThan(0);
    });

    test('nack redelivers with attempt + 1', gates.persistent, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('nack'));
      const { collector } = await collect(t, address, groupOf(c), async (d) => {
        if (d.attempt === 1) await d.nack();
        else await d.ack();
      });
      const [m] = await publishOne(t, address, 'retry-me');
      await collector.waitFor(2, timeoutMs);
      const [first, second] = collector.deliveries;
      expect(first!.message.id).toBe(m.id);
      expect(second!.message.id).toBe(m.id);
      expect(first!.attempt).toBe(1);
      expect(second!.attempt).toBe(2);
      expect(Buffer.from(second!.message.body).toString()).toBe('retry-me');
    });

    test('a handler that throws gets its message redelivered', gates.persistent, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('throw'));
      const { collector } = await collect(t, address, groupOf(c), async (d) => {
        if (d.attempt === 1) throw new Error('handler failure (expected by the test)');
        await d.ack();
      });
      const [m] = await publishOne(t, address, 'boom');
      await collector.waitFor(2, timeoutMs);
      expect(collector.deliveries.map((d) => [d.message.id, d.attempt])).toEqual([
        [m.id, 1],
        [m.id, 2],
      ]);
    });

    test('nack with a delay redelivers no sooner than the delay', gates.nackDelay, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('delay'));
      const times: number[] = [];
      const { collector } = await collect(t, address, groupOf(c), async (d) => {
        times.push(performance.now());
        if (d.attempt === 1) await d.nack({ delayMs: 1000 });
        else await d.ack();
      });
      await publishOne(t, address, 'later');
      await collector.waitFor(2, timeoutMs);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    });

    test('a second settle is a no-op', always, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('settle'));
      const results: string[] = [];
      const { collector } = await collect(t, address, groupOf(c), async (d) => {
        await d.ack();
        expect(d.settled).toBe(true);
        await d.ack().then(() => results.push('ack again ok'));
        await d.nack().then(() => results.push('nack after ack ok'));
      });
      await publishOne(t, address, 'once');
      await collector.waitFor(1, timeoutMs);
      await new Promise<void>((resolve) => {
        const check = (): void => (results.length === 2 ? resolve() : void setImmediate(check));
        check();
      });
      expect(results).toEqual(['ack again ok', 'nack after ack ok']);
      // The message was acked once and must not come back: publish a marker and see only it next.
      await publishOne(t, address, 'marker');
      await collector.waitFor(2, timeoutMs);
      expect(collector.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual([
        'once',
        'marker',
      ]);
    });

    test(
      'messages left unacked by a closed subscriber go to the next one',
      gates.handover,
      async () => {
        const group = uniqueName('gclose');
        const address = await options.address(uniqueName('handover'));
        const t1 = await transport();
        const held = await collect(t1, address, { group, maxInFlight: 5 }, () => undefined);
        const sent = Array.from({ length: 10 }, (_, i) => createMessage({ body: `h-${i}` }));
        await t1.publish(address, sent);
        await held.collector.waitFor(5, timeoutMs);
        await held.subscription.close({ timeoutMs: 50 });
        const t2 = await transport();
        const next = await collect(t2, address, { group, maxInFlight: 10 });
        await next.collector.waitFor(10, timeoutMs * 2, 'handed-over messages');
        expect(new Set(next.collector.ids())).toEqual(new Set(sent.map((m) => m.id)));
        const redelivered = next.collector.deliveries.filter((d) =>
          held.collector.ids().includes(d.message.id),
        );
        expect(redelivered.length).toBe(held.collector.count);
        for (const d of redelivered) expect(d.attempt).toBeGreaterThanOrEqual(2);
      },
      timeoutMs,
    );

    test(
      'messages left unacked by a subscriber whose connection died go to the next one',
      gates.handover,
      async () => {
        const group = uniqueName('gdie');
        const address = await options.address(uniqueName('die'));
        const t1 = await options.createTransport();
        await t1.connect();
        const held = await collect(t1, address, { group, maxInFlight: 3 }, () => undefined);
        const sent = Array.from({ length: 6 }, (_, i) => createMessage({ body: `d-${i}` }));
        await t1.publish(address, sent);
        await held.collector.waitFor(3, timeoutMs);
        await t1.close({ timeoutMs: 0 });
        const t2 = await transport();
        const next = await collect(t2, address, { group });
        await next.collector.waitFor(6, timeoutMs * 2, 'messages of the dead subscriber');
        expect(new Set(next.collector.ids())).toEqual(new Set(sent.map((m) => m.id)));
      },
      timeoutMs,
    );

    test('maxInFlight bounds the unsettled deliveries', always, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('inflight'));
      let running = 0;
      let peak = 0;
      const { collector } = await collect(t, address, { ...groupOf(c), maxInFlight: 3 }, async (d) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        await d.ack();
      });
      await t.publish(
        address,
        Array.from({ length: 60 }, (_, i) => createMessage({ body: `f-${i}` })),
      );
      await collector.waitFor(60, timeoutMs);
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThanOrEqual(1);
    });

    test('close() waits for in-flight handlers to finish', always, async () => {
      const c = await capsPromise;
      const t = await transport();
      const address = await options.address(uniqueName('drain'));
      const gate = deferred();
      const finished: string[] = [];
      const { collector, subscription } = await collect(
        t,
        address,
        { ...groupOf(c), maxInFlight: 2 },
        async (d) => {
          await gate.promise;
          finished.push(d.message.id);
          await d.ack();
        },
      );
      await publishOne(t, address, 'slow');
      await collector.waitFor(1, timeoutMs);
      let closed = false;
      const closing = subscription.close({ timeoutMs }).then(() => {
        closed = true;
      });
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(closed, 'close() resolved while a handler was still running').toBe(false);
      gate.resolve();
      await closing;
      expect(finished).toEqual([collector.deliveries[0]!.message.id]);
      expect(subscription.inFlight).toBe(0);
    });

    test('publish to an invalid address fails with a typed error', always, async () => {
      const t = await transport();
      const error = await t.publish(options.invalidAddress, [createMessage({ body: 'x' })]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'publish rejected').toBeDefined();
      expect(isPolybusError(error), `typed error, got ${String(error)}`).toBe(true);
    });

    test('addresses are isolated from each other', always, async () => {
      const c = await capsPromise;
      const t = await transport();
      const a = await options.address(uniqueName('iso-a'));
      const b = await options.address(uniqueName('iso-b'));
      const onA = await collect(t, a, groupOf(c));
      const onB = await collect(t, b, groupOf(c));
      const toA = Array.from({ length: 5 }, (_, i) => createMessage({ body: `a-${i}` }));
      const toB = Array.from({ length: 7 }, (_, i) => createMessage({ body: `b-${i}` }));
      await t.publish(b, toB);
      await t.publish(a, toA);
      await Promise.all([onA.collector.waitFor(5, timeoutMs), onB.collector.waitFor(7, timeoutMs)]);
      expect(new Set(onA.collector.ids())).toEqual(new Set(toA.map((m) => m.id)));
      expect(new Set(onB.collector.ids())).toEqual(new Set(toB.map((m) => m.id)));
    });

    test('declared capabilities are the ones the transport reports for the address', always, async () => {
      expect(c).toEqual(reported);
    });

    test('a subscription without a group receives what is published while it is open', always, async () => {
      const t = await transport();
      const address = await options.address(uniqueName('eph'));
      const { collector, subscription } = await collect(t, address, {});
      const sent = await t
        .publish(address, [createMessage({ body: 'e1' }), createMessage({ body: 'e2' })])
        .then(() => collector.waitFor(2, timeoutMs));
      void sent;
      expect(collector.deliveries.map((d) => Buffer.from(d.message.body).toString()).sort()).toEqual([
        'e1',
        'e2',
      ]);
      await subscription.close();
    });
  });
}

async function publishOne(t: Transport, address: Address, body: string): Promise<[Message]> {
  const m = createMessage({ body: enc.encode(body) });
  await t.publish(address, [m]);
  return [m];
}
