import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type BrokerName, PAIRS } from '../brokers.js';
import { brokersUpAll, DISRUPTIVE, freeze, thaw } from '../disrupt.js';
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
 * Scenario 6: the sink broker frozen with SIGSTOP for 60 s, then SIGCONT (disruptive: one case per sink
 * broker), and, always, a Redis sink whose connection stalls inside a proxy in the test process. While frozen
 * the bridge acks nothing it has not had confirmed (its acked counter does not move once the last
 * confirmed messages are settled), its memory stays bounded, and after the thaw nothing is lost.
 */
const up = await brokersUp('amqp', 'kafka', 'redis', 'nats');
const COUNT = scaled(100_000);
const FREEZE_MS = Number(process.env.POLYBUS_FAULT_FREEZE_MS ?? 60_000);
const PROXY_FREEZE_MS = SCALE >= 1 ? 60_000 : 20_000;
const RSS_BOUND_MB = 256;

afterEach(cleanup);
afterAll(async () => {
  if (DISRUPTIVE) await brokersUpAll();
});

interface RouteView {
  inFlight: number;
  counters: { received: number; published: number; acked: number; deadLettered: number; nacked: number };
}

/** How one case freezes its sink: returns the function that thaws it. */
type Freezer = (to: BrokerName) => Promise<() => void>;

interface FrozenCase {
  readonly from: BrokerName;
  readonly to: BrokerName;
  readonly how: string;
  readonly freezeMs: number;
  readonly freezer: Freezer;
  /** URL of the bridge's sink connection (a proxy's, for the proxy case). */
  readonly sinkUrl?: () => string;
}

let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const bySigstop: Freezer = async (to) => {
  const pids = freeze(BROKERS[to]);
  return () => thaw(pids);
};
const byProxy: Freezer = async () => {
  proxy?.freeze();
  return () => proxy?.thaw();
};

const CASES: FrozenCase[] = [
  // Always runs (no shared broker touched): the sink's connection stalls inside a proxy.
  {
    from: 'amqp',
    to: 'redis',
    how: 'proxy stalled',
    freezeMs: PROXY_FREEZE_MS,
    freezer: byProxy,
    sinkUrl: () => BROKERS.redis.url.replace(`:${BROKERS.redis.port}`, `:${proxy?.port}`),
  },
  ...(DISRUPTIVE
    ? PAIRS.map(([from, to]) => ({ from, to, how: 'SIGSTOP', freezeMs: FREEZE_MS, freezer: bySigstop }))
    : []),
];

describe.runIf(up)('6 sink broker frozen', () => {
  for (const { from, to, how, freezeMs, freezer, sinkUrl } of CASES) {
    it(`${to} frozen (${how}) ${freezeMs / 1000} s under ${from} -> ${to}: no ack without confirm, bounded memory, 0 lost`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f6-${from}-${to}`);
      if (sinkUrl) proxy = await TcpProxy.start(BROKERS[to].host, BROKERS[to].port);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const bridge = await startBridge(
        bridgeYaml(
          [
            {
              from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
              to: [{ broker: to, connection: 'sink', yaml: BROKERS[to].yaml(`${name}-dst`) }],
              maxInFlight: 64,
              extra: '    retry: { maxAttempts: 10, initialDelay: 200ms, maxDelay: 5s }',
            },
          ],
          {
            connections: {
              sink: { url: sinkUrl ? sinkUrl() : BROKERS[to].url, options: BROKERS[to].options },
            },
          },
        ),
      );
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS[from]);
      const sent = await produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 500,
      });
      await sink.until(() => sink.distinct >= COUNT / 4, 120_000, 'a quarter delivered');
      const route = async () => JSON.parse((await bridge.get('/routes')).text).routes[0] as RouteView;
      const unfreeze = await freezer(to);
      let ackedEarly: RouteView | undefined;
      let ackedLate: RouteView | undefined;
      let rssFrozen = 0;
      try {
        await sleep(5000);
        ackedEarly = await route();
        await sleep(freezeMs - 5000);
        ackedLate = await route();
        rssFrozen = rss.peak;
      } finally {
        unfreeze();
      }
      const thawAt = Date.now();
      const atThaw = sink.distinct;
      let resumedMs = Number.POSITIVE_INFINITY;
      await sink
        .until(() => sink.distinct > atThaw + 64 || sink.distinct >= COUNT, 120_000, 'flow after the thaw')
        .then(() => {
          resumedMs = Date.now() - thawAt;
        })
        .catch(() => undefined);
      await sink.waitDistinct(COUNT, 300_000, 3000);
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
      const ackedWhileFrozen = (ackedLate?.counters.acked ?? 0) - (ackedEarly?.counters.acked ?? 0);
      const publishedWhileFrozen =
        (ackedLate?.counters.published ?? 0) - (ackedEarly?.counters.published ?? 0);
      const failed = recordRow({
        scenario: 6,
        title: 'sink frozen',
        case: `${to} (${from}->) ${how}`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: Number.isFinite(resumedMs) ? resumedMs : null,
        startedAt,
        checks: {
          'nothing acked without a sink confirm':
            ackedWhileFrozen <= publishedWhileFrozen && ackedWhileFrozen === 0,
          [`RSS < ${RSS_BOUND_MB} MiB while frozen`]: rssFrozen < RSS_BOUND_MB * 1024 * 1024,
          '0 lost after resume': verdict.lost === 0 && verdict.unexpected === 0,
        },
        notes: `${how} ${freezeMs / 1000} s; from 5 s into the freeze to its end: acked +${ackedWhileFrozen}, published +${publishedWhileFrozen}, dead-lettered +${(ackedLate?.counters.deadLettered ?? 0) - (ackedEarly?.counters.deadLettered ?? 0)}, nacked +${(ackedLate?.counters.nacked ?? 0) - (ackedEarly?.counters.nacked ?? 0)}, inFlight ${ackedLate?.inFlight}; peak RSS frozen ${(rssFrozen / 1048576).toFixed(0)} MiB`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
