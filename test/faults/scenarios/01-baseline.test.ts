import { afterEach, describe, expect, it } from 'vitest';
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

/** Scenario 1: a clean transfer per source broker — the sink holds exactly the source set, once each. */
const up = await brokersUp('amqp', 'kafka', 'redis', 'nats');
const COUNT = scaled(100_000);

afterEach(cleanup);

describe.runIf(up)('1 baseline', () => {
  for (const [from, to] of PAIRS) {
    it(`${from} -> ${to}: ${COUNT} messages, sink set == source set, no duplicates`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f1-${from}-${to}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const bridge = await startBridge(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: 256,
          },
        ]),
      );
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS[from]);
      const sent = await produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 500,
      });
      await sink.waitDistinct(sent.length, 300_000);
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
      const failed = recordRow({
        scenario: 1,
        title: 'baseline',
        case: `${from}->${to}`,
        verdict,
        peakRssBytes: rss.stop(),
        startedAt,
        checks: {
          'sink set == source set': verdict.lost === 0 && verdict.unexpected === 0,
          '0 duplicates': verdict.duplicated === 0,
        },
        notes: `${Math.round((COUNT / (Date.now() - startedAt)) * 1000)} msg/s end to end`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
