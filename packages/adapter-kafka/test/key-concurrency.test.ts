import { createMessage, type Delivery } from '@polybus/core';
import { Collector, deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { bodyText, createTopic, KAFKA_HOST, KAFKA_PORT, kafkaSuite, nackOnceHandler } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

const text = bodyText;

/** Resolves with `done` once it settles, or after `ms` (the caller asserts what it got). */
async function within(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

describe.runIf(up)('kafka concurrency per key inside one partition', () => {
  const { admin, transport } = kafkaSuite();

  it('records of different keys of one partition are out at once, never two of one key, acked in order per key', async () => {
    const KEYS = 20;
    const PER_KEY = 10;
    const TOTAL = KEYS * PER_KEY;
    const GATE = 8; // deliveries held until this many are out at once
    const topic = await createTopic(admin, uniqueName('key-conc'), 1);
    const t = await transport();
    await t.publish(
      topic,
      Array.from({ length: TOTAL }, (_, i) =>
        createMessage({ key: `k${i % KEYS}`, body: `k${i % KEYS}:${Math.floor(i / KEYS)}` }),
      ),
    );

    const held: Delivery[] = [];
    const outKeys = new Set<string>();
    const sameKeyTwice: string[] = [];
    const partitions = new Set<number | undefined>();
    const acks = new Map<string, number[]>(); // per key, sequence numbers in ack order
    let maxOut = 0;
    let maxDistinctKeys = 0;
    let acked = 0;
    const allAcked = deferred();
    let tail: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(tail);
      for (const d of held.splice(0)) {
        const [key, seq] = text(d).split(':') as [string, string];
        outKeys.delete(key);
        acks.set(key, [...(acks.get(key) ?? []), Number(seq)]);
        acked++;
        if (acked === TOTAL) allAcked.resolve();
        void d.ack();
      }
    };
    const sub = await t.subscribe(
      topic,
      (d) => {
        const key = d.message.key!;
        partitions.add(d.source.partition);
        if (outKeys.has(key)) sameKeyTwice.push(text(d));
        outKeys.add(key);
        held.push(d);
        maxOut = Math.max(maxOut, held.length);
        maxDistinctKeys = Math.max(maxDistinctKeys, outKeys.size);
        if (held.length >= GATE) release();
        else {
          // The last few records may never reach the gate: let them go after a quiet spell.
          clearTimeout(tail);
          tail = setTimeout(release, 300);
        }
      },
      { group: uniqueName('g-key-conc'), maxInFlight: 16, from: 'earliest' },
    );
    await within(allAcked.promise, 20_000);
    console.log(
      `key concurrency: ${acked}/${TOTAL} acked, up to ${maxOut} deliveries of ${maxDistinctKeys} keys out at once on one partition`,
    );
    expect([...partitions]).toEqual([0]);
    expect(maxDistinctKeys, 'distinct keys out at once').toBeGreaterThanOrEqual(GATE);
    expect(sameKeyTwice, 'a key out twice').toEqual([]);
    expect(acked).toBe(TOTAL);
    for (let k = 0; k < KEYS; k++) {
      expect(acks.get(`k${k}`), `ack order of k${k}`).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
    }
    await sub.close({ timeoutMs: 2_000 });
  }, 40_000);

  it('a nack holds only its key: later records of other keys go on and are not delivered again', async () => {
    const topic = await createTopic(admin, uniqueName('key-nack'), 1);
    const t = await transport();
    const got = new Collector();
    const NACK_DELAY = 1_500;
    const at = new Map<string, number>();
    const sub = await t.subscribe(topic, nackOnceHandler(got, at, 'a-1', NACK_DELAY), {
      group: uniqueName('g-key-nack'),
      maxInFlight: 8,
    });
    const others = Array.from({ length: 50 }, (_, i) => `b-${i + 1}`);
    await t.publish(topic, [
      createMessage({ key: 'a', body: 'a-1' }),
      createMessage({ key: 'a', body: 'a-2' }),
      ...others.map((body) => createMessage({ key: 'b', body })),
      createMessage({ body: 'u-1' }),
    ]);
    await got.waitFor(2 + others.length + 2, NACK_DELAY + 15_000, 'every record, a-1 twice');
    await new Promise((r) => setTimeout(r, 500)); // anything delivered again would show up here
    const seen = got.deliveries.map((d) => `${text(d)}#${d.attempt}`);
    expect(
      seen.filter((s) => s.startsWith('a-')),
      'key a in order, a-1 retried first',
    ).toEqual(['a-1#1', 'a-1#2', 'a-2#1']);
    expect(
      seen.filter((s) => s.startsWith('b-')),
      'key b: each once, in order',
    ).toEqual(others.map((b) => `${b}#1`));
    expect(seen.filter((s) => s.startsWith('u-'))).toEqual(['u-1#1']);
    // Everything after a-1 but a-2 went on during the nack delay.
    expect(at.get(`b-${others.length}#1`)!, 'the last b before a-1 is retried').toBeLessThan(
      at.get('a-1#2')!,
    );
    expect(at.get('u-1#1')!, 'the unkeyed record before a-1 is retried').toBeLessThan(at.get('a-1#2')!);
    expect(at.get('a-1#2')! - at.get('a-1#1')!).toBeGreaterThanOrEqual(NACK_DELAY - 50);
    await sub.close({ timeoutMs: 2_000 });
  }, 40_000);
});
