import { afterEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../helpers/bridge-process.js';
import { PAIRS } from '../brokers.js';
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
  startBridge,
  uniqueName,
} from '../harness.js';
import { recordRow } from '../report.js';

/**
 * Scenario 3: SIGTERM under load. The bridge finishes and acks what is in flight, exits 0 within its
 * shutdown timeout, and a restarted bridge delivers the rest without a single duplicate.
 */
const up = await brokersUp('amqp', 'kafka', 'redis', 'nats');
const COUNT = scaled(100_000);
const SHUTDOWN_MS = 15_000;

afterEach(cleanup);

describe.runIf(up)('3 SIGTERM under load', () => {
  for (const [from, to] of PAIRS) {
    it(`${from} -> ${to}: SIGTERM mid-transfer, exit 0 in time, no duplicates after restart`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f3-${from}-${to}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const config = writeConfig(
        bridgeYaml(
          [
            {
              from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
              to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
              maxInFlight: 128,
            },
          ],
          { shutdownTimeout: `${SHUTDOWN_MS}ms` },
        ),
      );
      let bridge = await startBridge(config);
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS[from]);
      const sent = await produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 500,
      });
      await sink.until(() => sink.distinct >= COUNT * 0.3, 120_000, '30 % delivered');
      const inFlightAtStop = JSON.parse((await bridge.get('/routes')).text).routes[0].inFlight as number;
      const stopAt = Date.now();
      const code = await bridge.stop('SIGTERM', SHUTDOWN_MS + 10_000).catch(() => null);
      const stopMs = Date.now() - stopAt;
      const atStop = sink.distinct;
      bridge = await startBridge(config);
      await sink.waitDistinct(sent.length, 240_000, 3000);
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
      const failed = recordRow({
        scenario: 3,
        title: 'SIGTERM under load',
        case: `${from}->${to}`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: stopMs,
        startedAt,
        checks: {
          'exit 0': code === 0,
          [`exit within shutdownTimeout (${SHUTDOWN_MS / 1000} s)`]: stopMs <= SHUTDOWN_MS + 2000,
          '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
          '0 duplicates after restart': verdict.duplicated === 0,
        },
        notes: `SIGTERM with ${inFlightAtStop} in flight after ${atStop} delivered; exit ${code} after ${stopMs} ms (recovery column = time to exit)`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
