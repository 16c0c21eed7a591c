import { afterEach, describe, expect, it } from 'vitest';
import { writeConfig } from '../../helpers/bridge-process.js';
import type { BrokerName } from '../brokers.js';
import {
  BROKERS,
  type BridgeProcess,
  bridgePids,
  bridgeYaml,
  brokersUp,
  cleanup,
  judgeRoute,
  killBridge,
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
import { FAULT_WORKERS } from '../workers.js';

/**
 * Scenario 10: two and three bridge processes on one grouped route; one is killed (-9) mid-stream.
 * Work is shared (each process moved some, told apart by a header each stamps from its environment),
 * nothing is lost, and duplicates stay within the in-flight windows the kill can void: the killed
 * process's for queues and streams with per-message acks (RabbitMQ, Redis). A Kafka group rebalances
 * eagerly when the dead member is dropped: every member's partitions are revoked and read again from
 * the committed offsets, so what each survivor had in flight then comes again too (the bound is one
 * window per process).
 */
const up = await brokersUp('amqp', 'kafka', 'redis');
const COUNT = scaled(100_000);
const MAX_IN_FLIGHT = 64;

afterEach(cleanup);

/** Per process (x-bridge b0, b1...): deliveries of an id the sink had already received. */
function repeatsBy(
  deliveries: readonly {
    id: string;
    observed?: { id: string } | undefined;
    headers: Record<string, string>;
  }[],
  processes: number,
) {
  const seen = new Set<string>();
  const counts = new Array<number>(processes).fill(0);
  for (const d of deliveries) {
    const id = d.observed?.id ?? d.id;
    if (seen.has(id)) {
      const i = Number(d.headers['x-bridge']?.slice(1));
      if (Number.isInteger(i) && i < processes) counts[i]! += 1;
    } else seen.add(id);
  }
  return counts;
}

const CASES: { from: BrokerName; to: BrokerName; processes: number }[] = [
  { from: 'amqp', to: 'redis', processes: 2 },
  { from: 'amqp', to: 'redis', processes: 3 },
  { from: 'redis', to: 'amqp', processes: 3 },
  { from: 'kafka', to: 'redis', processes: 3 },
];

describe.runIf(up)('10 several bridges on one group', () => {
  for (const { from, to, processes } of CASES) {
    it(`${from} -> ${to}: ${processes} processes, one killed mid-stream`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f10-${from}-${processes}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`), true);
      const config = writeConfig(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: MAX_IN_FLIGHT,
            extra: `    transform: { headers: { x-bridge: '"$\{BRIDGE_ID}"' } }`,
          },
        ]),
      );
      const bridges: BridgeProcess[] = [];
      for (let i = 0; i < processes; i++) bridges.push(await startBridge(config, { BRIDGE_ID: `b${i}` }));
      const rss = bridges.map((b) => new RssSampler(() => bridgePids(b)));
      const source = await openTransport(BROKERS[from]);
      const producing = produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 250,
      });
      const movedBy = (id: string) => sink.deliveries.filter((d) => d.headers['x-bridge'] === id).length;
      await sink.until(
        () => sink.distinct >= COUNT * 0.4 && movedBy('b0') > 0,
        240_000,
        '40 % delivered, some by b0',
      );
      // The whole bridge dies (with --workers: its workers too, see killBridge).
      if (bridges[0]) await killBridge(bridges[0]);
      const killedAt = Date.now();
      const before = sink.distinct;
      await sink.until(() => sink.distinct > before + MAX_IN_FLIGHT, 120_000, 'progress after the kill');
      const recoveryMs = Date.now() - killedAt;
      const sent = await producing;
      await sink.waitDistinct(sent.length, 240_000, 3000);
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
      const moved = bridges.map((_, i) => movedBy(`b${i}`));
      const voidedWindows = (from === 'kafka' ? processes : 1) * FAULT_WORKERS;
      const windowsText =
        from === 'kafka'
          ? `every process's maxInFlight (${processes} x ${MAX_IN_FLIGHT}, eager rebalance)`
          : `killed one's maxInFlight (${MAX_IN_FLIGHT})`;
      const failed = recordRow({
        scenario: 10,
        title: 'shared group, one killed',
        case: `${from}->${to} x${processes}`,
        verdict,
        peakRssBytes: Math.max(...rss.map((r) => r.stop())),
        recoveryMs,
        startedAt,
        checks: {
          'each process moved some': moved.every((n) => n > 0),
          '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
          // With --workers each bridge is that many processes, each with its own in-flight bound.
          [`duplicates <= ${windowsText}${FAULT_WORKERS > 1 ? ` x workers (${FAULT_WORKERS})` : ''}`]:
            verdict.duplicated <= MAX_IN_FLIGHT * voidedWindows,
        },
        notes: `moved per process ${moved.join(' / ')} (b0 killed after ${before} delivered); repeats per process ${repeatsBy(sink.deliveries, processes).join(' / ')}; recovery = kill to ${MAX_IN_FLIGHT} more delivered`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
