import { ConfigError, createMessage } from '@polybus/core';
import { deferred } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Publisher } from 'zeromq';
import { ENVELOPE_MAGIC, type ZmqSubscriptionStats, zmqSubscriptionStats } from '../src/index.js';
import { collect, OpenTransports, RecordingLogger, text } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());

const statsOf = (s: unknown): ZmqSubscriptionStats => zmqSubscriptionStats(s)!;

describe('pub/sub', () => {
  it('gives every subscriber every message, filtered by topic prefix (or exactly)', async () => {
    const pub = await transports.open('zmq+tcp://127.0.0.1:0');
    const url = `zmq+tcp://${pub.boundEndpoint!.slice('tcp://'.length)}`;
    const other = await transports.open(url, { bind: 'none' });
    const prefix1 = await collect(pub, 'prices');
    const prefix2 = await collect(other, 'prices');
    const exact = await collect(other, { topic: 'prices', exact: true });
    const everything = await collect(other, '');
    await pub.publish('prices.eur', [createMessage({ body: 'eur' })]);
    await pub.publish('news', [createMessage({ body: 'news' })]);
    await pub.publish('prices', [createMessage({ body: 'plain' })]);
    await pub.publish('prices.usd', [createMessage({ body: 'usd' })]);
    await Promise.all([
      prefix1.collector.waitFor(3, 10_000),
      prefix2.collector.waitFor(3, 10_000),
      exact.collector.waitFor(1, 10_000),
      everything.collector.waitFor(4, 10_000),
    ]);
    await pub.publish('prices', [createMessage({ body: 'marker' })]);
    await exact.collector.waitFor(2, 10_000);
    expect(prefix1.collector.deliveries.slice(0, 3).map(text)).toEqual(['eur', 'plain', 'usd']);
    expect(prefix2.collector.deliveries.slice(0, 3).map(text)).toEqual(['eur', 'plain', 'usd']);
    expect(exact.collector.deliveries.map(text)).toEqual(['plain', 'marker']);
    expect(everything.collector.deliveries.slice(0, 4).map(text)).toEqual(['eur', 'news', 'plain', 'usd']);
    expect(prefix2.collector.deliveries[0]!.source.subject).toBe('prices.eur');
  });

  it('subscribe resolves only once a polybus publisher in another transport applies the filter', async () => {
    const pub = await transports.open('zmq+tcp://127.0.0.1:0');
    const url = `zmq+tcp://${pub.boundEndpoint!.slice('tcp://'.length)}`;
    // 20 fresh subscribers, each sent one message right after subscribe resolved: no probing, no loss.
    for (let i = 0; i < 20; i++) {
      const sub = await transports.open(url, { bind: 'none', joinTimeoutMs: 10_000 });
      const started = performance.now();
      const { collector } = await collect(sub, `join-${i}`);
      expect(performance.now() - started, 'joined by the answer, not by the timeout').toBeLessThan(5_000);
      await pub.publish(`join-${i}`, [createMessage({ body: `first-${i}` })]);
      await collector.waitFor(1, 10_000);
      expect(collector.deliveries.map(text)).toEqual([`first-${i}`]);
    }
  });

  it('refuses a group (no sharing on pub/sub) and a start from the earliest message', async () => {
    const t = await transports.open('zmq+tcp://127.0.0.1:0');
    await expect(t.subscribe('x', () => undefined, { group: 'g' })).rejects.toBeInstanceOf(ConfigError);
    await expect(t.subscribe('x', () => undefined, { from: 'earliest' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('counts every message it lost to a full local buffer: delivered + overflowed = published', async () => {
    const logger = new RecordingLogger();
    const t = await transports.open('zmq+tcp://127.0.0.1:0', { maxPending: 10 }, logger);
    const gate = deferred();
    const { collector, subscription } = await collect(t, 'slow', { maxInFlight: 1 }, async (d) => {
      await gate.promise;
      await d.ack();
    });
    const total = 500;
    await t.publish(
      'slow',
      Array.from({ length: total }, (_, i) => createMessage({ body: String(i) })),
    );
    // Every message reaches the subscription's buffer or is counted: wait until the counts add up.
    const accounted = (): number => {
      const s = statsOf(subscription);
      return s.delivered + s.overflowed + s.missed + s.malformed;
    };
    await new Promise<void>((resolve) => {
      const check = (): void => (accounted() + 10 >= total ? resolve() : void setImmediate(check));
      check();
    });
    gate.resolve();
    await new Promise<void>((resolve) => {
      const check = (): void => (accounted() >= total ? resolve() : void setImmediate(check));
      check();
    });
    const stats = statsOf(subscription);
    expect(stats.overflowed).toBeGreaterThan(0);
    expect(stats.delivered + stats.overflowed + stats.missed).toBe(total);
    expect(collector.count).toBe(stats.delivered);
    // What arrived is in publish order and has no duplicate.
    const seqs = collector.deliveries.map((d) => Number(text(d)));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(logger.lines.some((l) => l.msg?.includes('overflow'))).toBe(true);
  });

  it('counts the messages a publisher numbered that never arrived (its high-water mark dropped them)', async () => {
    const logger = new RecordingLogger();
    const raw = new Publisher({ linger: 0 });
    try {
      await raw.bind('tcp://127.0.0.1:*');
      const url = `zmq+tcp://${raw.lastEndpoint!.slice('tcp://'.length)}`;
      const t = await transports.open(url, { bind: 'none' }, logger);
      const last = deferred();
      const { collector, subscription } = await collect(t, 'feed', {}, async (d) => {
        if (text(d) === '10') last.resolve();
        await d.ack();
      });
      const frame = (seq: number): Buffer[] => [
        Buffer.from('feed'),
        Buffer.concat([
          ENVELOPE_MAGIC,
          Buffer.from(JSON.stringify({ id: `m${seq}`, ts: 1, src: 'p1', seq })),
        ]),
        Buffer.from(String(seq)),
      ];
      // The subscription joined (handshake) but the publisher may not have its filter yet: probe until one arrives.
      while (collector.count === 0) {
        await raw.send(frame(1));
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const seq of [2, 5, 6, 10]) await raw.send(frame(seq));
      await last.promise;
      expect(collector.deliveries.map(text).filter((b) => b !== '1')).toEqual(['2', '5', '6', '10']);
      expect(statsOf(subscription).missed).toBe(2 + 3);
      expect(logger.lines.filter((l) => l.msg?.includes('missed')).length).toBeGreaterThan(0);
    } finally {
      raw.close();
    }
  });
});
