import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PAIRS } from '../brokers.js';
import { brokersUpAll, DISRUPTIVE, restartBroker } from '../disrupt.js';
import {
  BROKERS,
  bridgeYaml,
  brokersUp,
  cleanup,
  makeObserved,
  openTransport,
  produce,
  RssSampler,
  SCALE,
  SEED,
  SinkReader,
  scaled,
  startBridge,
  uniqueName,
} from '../harness.js';
import { judge } from '../oracle.js';
import { recordRow } from '../report.js';

/**
 * Scenario 4 (disruptive): each source broker restarted mid-stream (`scripts/brokers.sh restart`).
 * Consumption resumes within 30 s of the broker's return; nothing is lost. Half the messages are
 * published before the restart, half after the broker is back.
 *
 * Redis here keeps nothing on disk: a restart loses the stream with every entry the bridge had not yet
 * moved. For Redis the oracle therefore judges the messages published after the restart plus those
 * moved before it; the entries that died with the broker are counted in the notes, not as lost.
 */
const up = DISRUPTIVE && (await brokersUp('amqp', 'kafka', 'redis', 'nats'));
const COUNT = scaled(100_000);
const RESUME_BOUND_MS = 30_000;

afterEach(cleanup);
afterAll(brokersUpAll);

describe.runIf(up)('4 source broker restarted', () => {
  for (const [from, to] of PAIRS) {
    it(`${from} restarted under ${from} -> ${to}: resumes within 30 s, 0 lost`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f4-${from}-${to}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const bridge = await startBridge(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: 64,
          },
        ]),
      );
      const rss = new RssSampler(() => bridge.child.pid);
      const source = await openTransport(BROKERS[from]);
      const address = BROKERS[from].address(`${name}-src`);
      const all = makeObserved(name, COUNT);
      const half = Math.floor(COUNT / 2);
      const before = await produce(source, address, all.slice(0, half), { batch: 250 });
      await sink.until(() => sink.distinct >= half / 4, 120_000, 'an eighth delivered');
      const restartAt = Date.now();
      await restartBroker(BROKERS[from]);
      const backAt = Date.now();
      const atBack = sink.distinct;
      let retries = 0;
      const after = await produce(source, address, all.slice(half), {
        batch: 250,
        retryForMs: 120_000,
        onRetry: () => retries++,
      });
      let resumedMs = Number.POSITIVE_INFINITY;
      await sink
        .until(
          () => sink.distinct > atBack + 64 || sink.distinct >= COUNT,
          RESUME_BOUND_MS * 4,
          'consumption after the broker returned',
        )
        .then(() => {
          resumedMs = Date.now() - backAt;
        })
        .catch(() => undefined);
      await sink.waitDistinct(COUNT, 240_000, 3000);
      const seen = new Set(sink.received.map((m) => m.id));
      const diedWithBroker = from === 'redis' ? before.filter((m) => !seen.has(m.id)) : [];
      const sent =
        from === 'redis' ? [...before.filter((m) => seen.has(m.id)), ...after] : [...before, ...after];
      const verdict = judge(sent, sink.received);
      const failed = recordRow({
        scenario: 4,
        title: 'source broker restarted',
        case: `${from} (->${to})`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: Number.isFinite(resumedMs) ? resumedMs : null,
        startedAt,
        checks: {
          'consumption resumes within 30 s of the broker return': resumedMs <= RESUME_BOUND_MS,
          '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
        },
        notes: `restart took ${((backAt - restartAt) / 1000).toFixed(1)} s; ${atBack} delivered when it returned; producer retried ${retries} batches${from === 'redis' ? `; ${diedWithBroker.length} entries died with Redis (no persistence), excluded` : ''}`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
