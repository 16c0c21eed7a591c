import { afterEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../helpers/bridge-process.js';
import { MQTT_PAIRS, NEW_PAIRS, PAIRS, preparePair } from '../brokers.js';
import {
  BROKERS,
  type BridgeProcess,
  bridgePids,
  bridgeYaml,
  brokersUp,
  cleanup,
  judgeRoute,
  killWorker,
  makeObserved,
  openTransport,
  prng,
  produce,
  produceBehind,
  RssSampler,
  SCALE,
  SEED,
  SinkReader,
  scaled,
  startBridge,
  uniqueName,
} from '../harness.js';
import { recordRow } from '../report.js';
import { FAULT_WORKERS } from '../workers.js';

/**
 * Scenario 2: `kill -9` of the bridge at random moments of a transfer, restarted each time, for every
 * source broker. 0 lost; duplicates at most maxInFlight per kill; per-key order kept where the source
 * orders (Kafka). A source that drops beyond a backlog limit (Mosquitto) is fed at most that far ahead
 * of the sink. With `POLYBUS_FAULT_WORKERS=N` the bridge is a supervisor with N workers: each kill
 * is a `kill -9` of one worker (in turn), which the supervisor restarts while the others go on; the
 * route is rate-limited so the transfer lasts about {@link WORKERS_TRANSFER_S} seconds.
 */
const up = await brokersUp('amqp', 'kafka', 'redis', 'nats');
const upNew = await brokersUp('amqp1', 'rocketmq');
const upMqtt = await brokersUp('mqtt', 'amqp');
const ROWS = [
  ...PAIRS.map((pair) => ({ pair, up })),
  ...NEW_PAIRS.map((pair) => ({ pair, up: upNew })),
  ...MQTT_PAIRS.map((pair) => ({ pair, up: upMqtt })),
];
const COUNT = scaled(100_000);
const KILLS = SCALE >= 1 ? 10 : 3;
const MAX_IN_FLIGHT = 64;
/** With `POLYBUS_FAULT_WORKERS`: the transfer is rate-limited to last about this long (seconds). */
const WORKERS_TRANSFER_S = 30;

afterEach(cleanup);

describe('2 kill -9 of the bridge', () => {
  ROWS.forEach(({ pair: [from, to], up: rowUp }, index) => {
    it.runIf(rowUp)(`${from} -> ${to}: ${KILLS} kills during ${COUNT} messages`, async () => {
      const startedAt = Date.now();
      const random = prng(SEED + index);
      const name = uniqueName(`f2-${from}-${to}`);
      await preparePair(from, to, name);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const config = writeConfig(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: MAX_IN_FLIGHT,
            // With workers the others keep moving while a killed one restarts: throttled so that the
            // transfer lasts about WORKERS_TRANSFER_S and every kill still lands mid-stream.
            ...(FAULT_WORKERS > 1
              ? { extra: `    rateLimit: { messages: ${Math.ceil(COUNT / WORKERS_TRANSFER_S)} }` }
              : {}),
          },
        ]),
      );
      let bridge: BridgeProcess = await startBridge(config);
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS[from]);
      const address = BROKERS[from].address(`${name}-src`);
      const window = BROKERS[from].maxBacklog;
      const producing =
        window === undefined
          ? produce(source, address, makeObserved(name, COUNT), { batch: 250 })
          : produceBehind(source, address, makeObserved(name, COUNT), sink, window);

      // Kill points: random fractions of the transfer, sorted, between 5 % and 90 %.
      const points = Array.from({ length: KILLS }, () => Math.floor(COUNT * (0.05 + random() * 0.85))).sort(
        (a, b) => a - b,
      );
      const recoveries: number[] = [];
      for (const point of points) {
        await sink.until(() => sink.distinct >= point, 240_000, `${point} messages before a kill`);
        const before = sink.distinct;
        const restartedAt = Date.now();
        if (FAULT_WORKERS > 1) {
          // With workers the supervisor is the bridge: kill -9 one worker (each in turn) and let the
          // supervisor restart it; its share of the group is redelivered to the others meanwhile.
          await killWorker(bridge, points.indexOf(point) % FAULT_WORKERS);
        } else {
          bridge.child.kill('SIGKILL');
          await bridge.exited;
          bridge = await startBridge(config);
        }
        await sink.until(
          () => sink.distinct > before || sink.distinct >= COUNT,
          120_000,
          'progress after a restart',
        );
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
