import { createMessage, type Delivery, isLagReporter, isMessageReader, type ReadRecord } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableNameFor, type NatsTransport, streamNameFor } from '../src/index.js';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);
const COUNT = 300;

describe.runIf(up)('jetstream lag and read without consuming', () => {
  const janitor = new StreamJanitor();
  const open: NatsTransport[] = [];
  let raw: NatsConnection;
  const transport = async (): Promise<NatsTransport> => {
    const t = natsTransport();
    open.push(t);
    await t.connect();
    return t;
  };
  /** `num_pending` and `num_ack_pending` straight from the JetStream API ($JS.API.CONSUMER.INFO). */
  const apiConsumerInfo = async (
    stream: string,
    durable: string,
  ): Promise<{ num_pending: number; num_ack_pending: number }> => {
    const reply = await raw.request(`$JS.API.CONSUMER.INFO.${stream}.${durable}`, undefined, {
      timeout: 10_000,
    });
    return JSON.parse(new TextDecoder().decode(reply.data));
  };
  beforeAll(async () => {
    raw = await connect({ servers: '127.0.0.1:4222' });
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 500 })));
    await raw.close();
    await janitor.clean();
  });

  it('lag equals the consumer info of the JetStream API while a backlog drains, and reaches 0', {
    timeout: 120_000,
  }, async () => {
    const subject = janitor.subject(uniqueName('lag').replaceAll('-', '.'));
    const group = uniqueName('g');
    const t = await transport();
    expect(isLagReporter(t)).toBe(true);
    await t.publish(
      subject,
      Array.from({ length: COUNT }, (_, i) => createMessage({ id: `m${i}`, body: `b${i}` })),
    );
    expect(await t.lag(subject, group)).toMatchObject({ total: COUNT, groupExists: false, inFlight: 0 });

    let acked = 0;
    const held: Delivery[] = [];
    let reached!: () => void;
    const enough = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const sub = await t.subscribe(
      subject,
      async (d) => {
        if (acked < 120) {
          acked++;
          await d.ack();
        } else {
          held.push(d);
          if (held.length === 20) reached();
        }
      },
      { group, from: 'earliest', maxInFlight: 20 },
    );
    await enough;
    const stream = streamNameFor(subject);
    const durable = durableNameFor(group, subject);
    // Both sides read while the consumer is live but saturated (20 unacked of maxInFlight 20).
    const mid = await t.lag(subject, group);
    const api = await apiConsumerInfo(stream, durable);
    expect(mid.waiting).toBe(api.num_pending);
    expect(mid.inFlight).toBe(api.num_ack_pending);
    expect(mid.total).toBe(api.num_pending + api.num_ack_pending);
    expect(mid.total).toBe(COUNT - 120);
    expect(mid.inFlight).toBeGreaterThanOrEqual(20);

    let done!: () => void;
    const drained = new Promise<void>((resolve) => {
      done = resolve;
    });
    let settled = 120;
    const ackOne = async (d: Delivery): Promise<void> => {
      await d.ack();
      if (++settled === COUNT) done();
    };
    const rest = held.splice(0);
    // Switch the handler's behaviour: ack what is held and everything that comes next.
    acked = Number.POSITIVE_INFINITY;
    held.push = (...items: Delivery[]): number => {
      for (const d of items) void ackOne(d);
      return 0;
    };
    for (const d of rest) await ackOne(d);
    await drained;
    await sub.close();
    // The server applies acks asynchronously: wait for the report to reach 0, then compare.
    let end = await t.lag(subject, group);
    for (let i = 0; i < 100 && end.total > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      end = await t.lag(subject, group);
    }
    const apiEnd = await apiConsumerInfo(stream, durable);
    expect(end).toMatchObject({ total: 0, waiting: 0, inFlight: 0 });
    expect(apiEnd).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
  });

  it('reads every message up to the end captured at the start, and consumers see no change', {
    timeout: 60_000,
  }, async () => {
    const subject = janitor.subject(uniqueName('read').replaceAll('-', '.'));
    const t = await transport();
    expect(isMessageReader(t)).toBe(true);
    await t.publish(
      subject,
      Array.from({ length: 700 }, (_, i) => createMessage({ id: `r${i}`, key: `k${i % 3}`, body: `b${i}` })),
    );
    const group = uniqueName('untouched');
    const got: ReadRecord[] = [];
    for await (const record of t.read(subject)) {
      if (got.length === 0) await t.publish(subject, [createMessage({ id: 'late', body: 'x' })]);
      got.push(record);
    }
    expect(got.map((r) => r.message.id)).toEqual(Array.from({ length: 700 }, (_, i) => `r${i}`));
    expect(got.map((r) => Number(r.position))).toEqual(Array.from({ length: 700 }, (_, i) => i + 1));
    expect(got[4]?.message.key).toBe('k1');
    const from: ReadRecord[] = [];
    for await (const record of t.read(subject, { from: '600', limit: 5 })) from.push(record);
    expect(from.map((r) => r.message.id)).toEqual(['r599', 'r600', 'r601', 'r602', 'r603']);
    expect(await t.lag(subject, group)).toMatchObject({ total: 701, groupExists: false });
  });
});
