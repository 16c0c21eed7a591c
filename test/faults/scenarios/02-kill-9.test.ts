import { afterEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../helpers/bridge-process.js';
import { PAIRS } from '../brokers.js';
import {
  BROKERS,
  type BridgeProcess,
  bridgeYaml,
  brokersUp,
  cleanup,
  judgeRoute,
  makeObserved,
  openTransport,
  prng,
  produce,
  RssSampler,
  SCALE,
  SEED,
  SinkReader,
  scaled,
  startBridge,
  uniqueName,
} from '../harness.js';
import { recordRow } from '../report.js';

/**
 * Scenario 2: `kill -9` of the bridge at random moments of a transfer, restarted each time, for every
 * source broker. 0 lost; duplicates at most maxInFlight per kill; per-key order kept where the source
 * orders (Kafka).
 */
const up = await brokersUp('amqp', 'kafka', 'redis', 'nats');
const COUNT = scaled(100_000);
const KILLS = SCALE >= 1 ? 10 : 3;
const MAX_IN_FLIGHT = 64;

afterEach(cleanup);

describe.runIf(up)('2 kill -9 of the bridge', () => {
  PAIRS.forEach(([from, to], index) => {
    it(`${from} -> ${to}: ${KILLS} kills during ${COUNT} messages`, async () => {
      const startedAt = Date.now();
      const random = prng(SEED + index);
      const name = uniqueName(`f2-${from}-${to}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const config = writeConfig(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: MAX_IN_FLIGHT,
          },
        ]),
      );
      let bridge: BridgeProcess = await startBridge(config);
      const rss = new RssSampler(() => bridge.child.pid);
      const source = await openTransport(BROKERS[from]);
      const producing = produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 250,
      });

      // Kill points: random fractions of the transfer, sorted, between 5 % and 90 %.
      const points = Array.from({ length: KILLS }, () => Math.floor(COUNT * (0.05 + random() * 0.85))).sort(
        (a, b) => a - b,
      );
      const recoveries: number[] = [];
      for (const point of points) {
        await sink.until(() => sink.distinct >= point, 240_000, `${point} messages before a kill`);
        bridge.child.kill('SIGKILL');
        await bridge.exited;
        const before = sink.distinct;
        const restartedAt = Date.now();
        bridge = await startBridge(config);
        await sink.until(() => sink.distinct > before, 120_000, 'progress after a restart');
        recoveries.push(Date.now() - restartedAt);
      }
      const sent = await producing;
      await sink.waitDistinct(sent.length, 240_000, 3000);
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
      const ordered = BROKERS[from].orderedPerKey && BROKERS[to].orderedPerKey;
      const checks: Record<string, boolean> = {
        '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
        [`duplicates <= maxInFlight (${MAX_IN_FLIGHT}) x kills`]: verdict.duplicated <= MAX_IN_FLIGHT * KILLS,
      };
      if (BROKERS[from].orderedPerKey) checks['per-key order kept (source orders)'] = verdict.reordered === 0;
      const failed = recordRow({
        scenario: 2,
        title: 'kill -9 bridge',
        case: `${from}->${to}`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: Math.max(...recoveries),
        startedAt,
        checks,
        notes: `${KILLS} kills at ${points.join(', ')} distinct delivered; restart-to-progress ${recoveries.map((r) => (r / 1000).toFixed(1)).join(', ')} s; maxInFlight ${MAX_IN_FLIGHT}${ordered ? '' : ''}`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  });
});
