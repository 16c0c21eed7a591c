import { ConfigError, createMessage, type Delivery, TimeoutError } from '@polybus/core';
import { Collector, deferred } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, OpenTransports, text } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());

describe('push/pull', () => {
  it('shares the work among connected pullers: each message once, both get some', async () => {
    const pusher = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull' });
    const url = `zmq+tcp://${pusher.boundEndpoint!.slice('tcp://'.length)}`;
    const w1 = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    const w2 = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    const all = new Collector();
    const both = (d: Delivery): Promise<void> => {
      all.push(d);
      return d.ack();
    };
    const a = await collect(w1, '', { group: 'workers', maxInFlight: 4 }, both);
    const b = await collect(w2, '', { group: 'workers', maxInFlight: 4 }, both);
    const sent = Array.from({ length: 400 }, (_, i) => createMessage({ body: `job-${i}` }));
    await pusher.publish('', sent);
    await all.waitFor(400, 30_000);
    const ids1 = a.collector.ids();
    const ids2 = b.collector.ids();
    expect(ids1.filter((id) => ids2.includes(id))).toEqual([]);
    expect(ids1.length + ids2.length).toBe(400);
    expect(ids1.length).toBeGreaterThan(0);
    expect(ids2.length).toBeGreaterThan(0);
    expect(a.collector.deliveries[0]!.source.group).toBe('workers');
  });

  it('blocks the pusher when the puller is busy and its queues are full, losing nothing', async () => {
    const small = { pattern: 'pushpull' as const, sendHighWaterMark: 5, receiveHighWaterMark: 5 };
    const t = await transports.open('zmq+tcp://127.0.0.1:0', small);
    const gate = deferred();
    const { collector } = await collect(t, '', { maxInFlight: 1 }, async (d) => {
      await gate.promise;
      await d.ack();
    });
    const total = 20_000;
    const sent = Array.from({ length: total }, (_, i) => createMessage({ body: String(i) }));
    let published = false;
    const publishing = t.publish('', sent).then(() => {
      published = true;
    });
    await collector.waitFor(1, 10_000);
    // With one handler stuck, only the HWM queues and socket buffers can take messages: far fewer than 20000.
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 2));
    expect(published, 'publish resolved although the puller could not take everything').toBe(false);
    expect(collector.count).toBe(1);
    gate.resolve();
    await publishing;
    await collector.waitFor(total, 60_000);
    expect(collector.deliveries.map(text)).toEqual(sent.map((_, i) => String(i)));
  });

  it('rejects publish with a retriable TimeoutError when no puller takes the message in time', async () => {
    const t = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull', sendTimeoutMs: 200 });
    const error = await t.publish('', [createMessage({ body: 'nobody' })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).retriable).toBe(true);
  });

  it("with bind: 'receiver' one PULL collects from pushers that connect", async () => {
    const sink = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull', bind: 'receiver' });
    const { collector } = await collect(sink, '');
    const url = `zmq+tcp://${sink.boundEndpoint!.slice('tcp://'.length)}`;
    const p1 = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    const p2 = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    await p1.publish(
      '',
      Array.from({ length: 50 }, (_, i) => createMessage({ body: `p1-${i}` })),
    );
    await p2.publish(
      '',
      Array.from({ length: 50 }, (_, i) => createMessage({ body: `p2-${i}` })),
    );
    await collector.waitFor(100, 30_000);
    const bodies = collector.deliveries.map(text);
    expect(bodies.filter((b) => b.startsWith('p1-'))).toEqual(
      Array.from({ length: 50 }, (_, i) => `p1-${i}`),
    );
    expect(bodies.filter((b) => b.startsWith('p2-'))).toEqual(
      Array.from({ length: 50 }, (_, i) => `p2-${i}`),
    );
    await expect(sink.subscribe('', () => undefined)).rejects.toBeInstanceOf(ConfigError);
  });
});
