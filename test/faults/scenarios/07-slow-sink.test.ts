import { afterEach, describe, expect, it } from 'vitest';
import { readyCount } from '../../helpers/rabbit.js';
import {
  BROKERS,
  bridgePids,
  bridgeYaml,
  brokersUp,
  cleanup,
  judgeRoute,
  makeObserved,
  openTransport,
  produce,
  RssSampler,
  SCALE,
  SEED,
  SinkReader,
  scaled,
  sleep,
  startBridge,
  uniqueName,
} from '../harness.js';
import { recordRow } from '../report.js';
import { TcpProxy } from '../tcp-proxy.js';

/**
 * Scenario 7: a slow sink (Redis replies throttled by a proxy in the test process) under a large
 * RabbitMQ backlog of 4 KiB messages. The bridge reads the source only as fast as the sink confirms
 * (never more than maxInFlight read but not yet published), its RSS stays under a stated bound, and the
 * backlog stays in the source queue; once the sink is fast again, everything arrives.
 */
const up = await brokersUp('amqp', 'redis');
const BACKLOG = scaled(200_000);
const MAX_IN_FLIGHT = 64;
const RSS_BOUND_MB = 256;
const SLOW_MS = SCALE >= 1 ? 60_000 : 15_000;

let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await cleanup();
});

describe.runIf(up)('7 slow sink', () => {
  it(`amqp -> redis (replies throttled): ${BACKLOG} x 4 KiB backlog, bounded reading and RSS`, async () => {
    const startedAt = Date.now();
    const name = uniqueName('f7');
    proxy = await TcpProxy.start(BROKERS.redis.host, BROKERS.redis.port);
    const sink = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dst`));
    const bridge = await startBridge(
      bridgeYaml(
        [
          {
            from: { broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: 'redis', connection: 'slow', yaml: BROKERS.redis.yaml(`${name}-dst`) }],
            maxInFlight: MAX_IN_FLIGHT,
          },
        ],
        { connections: { slow: { url: `redis://127.0.0.1:${proxy.port}`, options: BROKERS.redis.options } } },
      ),
    );
    proxy.delayReplies(25);
    const rss = new RssSampler(() => bridgePids(bridge));
    const source = await openTransport(BROKERS.amqp);
    const sent = await produce(source, BROKERS.amqp.address(`${name}-src`), makeObserved(name, BACKLOG), {
      batch: 500,
      size: 4096,
    });

    // The slow window: sample how far reading runs ahead of confirms.
    let maxAhead = 0;
    let maxInFlight = 0;
    const slowUntil = Date.now() + SLOW_MS;
    while (Date.now() < slowUntil) {
      const r = JSON.parse((await bridge.get('/routes')).text).routes[0] as {
        inFlight: number;
        counters: { received: number; published: number };
      };
      maxAhead = Math.max(maxAhead, r.counters.received - r.counters.published);
      maxInFlight = Math.max(maxInFlight, r.inFlight);
      await sleep(250);
    }
    const deliveredSlow = sink.distinct;
    const ready = await readyCount(`${name}-src.bridge`);
    const slowRate = deliveredSlow / (SLOW_MS / 1000);
    const peakSlow = rss.peak;
    proxy.delayReplies(0);
    await sink.waitDistinct(sent.length, 300_000);
    const verdict = await judgeRoute(sent, sink, {
      broker: 'amqp',
      address: BROKERS.amqp.address(`${name}-src`),
      group: 'bridge',
    });
    const failed = recordRow({
      scenario: 7,
      title: 'slow sink',
      case: 'amqp->redis (throttled replies)',
      verdict,
      peakRssBytes: rss.stop(),
      startedAt,
      checks: {
        [`RSS < ${RSS_BOUND_MB} MiB`]: peakSlow < RSS_BOUND_MB * 1024 * 1024,
        [`read ahead of confirms <= maxInFlight (${MAX_IN_FLIGHT})`]: maxAhead <= MAX_IN_FLIGHT,
        'backlog stays in the source queue': ready >= sent.length - deliveredSlow - MAX_IN_FLIGHT,
        '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
      },
      notes: `slow window ${SLOW_MS / 1000} s: ${deliveredSlow} delivered (${slowRate.toFixed(0)}/s), max read-but-unpublished ${maxAhead}, max inFlight ${maxInFlight}, ${ready} still ready in the source queue; peak RSS while slow ${(peakSlow / 1048576).toFixed(0)} MiB (bound ${RSS_BOUND_MB} MiB)`,
      scale: SCALE,
      seed: SEED,
    });
    expect(failed).toEqual([]);
  });
});
