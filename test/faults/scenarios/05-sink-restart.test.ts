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
 * Scenario 5 (disruptive): each sink broker restarted mid-stream. Publishes the sink did not confirm
 * are retried; nothing is lost.
 *
 * Redis keeps nothing on disk: entries Redis had confirmed (so the bridge rightly acked their source)
 * but the checker had not read yet die with it. For a Redis sink the check allows that many — at most
 * the checker's read window (512) — and the notes give the count.
 */
const up = DISRUPTIVE && (await brokersUp('amqp', 'kafka', 'redis', 'nats'));
const COUNT = scaled(100_000);
const READ_WINDOW = 512;

afterEach(cleanup);
afterAll(brokersUpAll);

describe.runIf(up)('5 sink broker restarted', () => {
  for (const [from, to] of PAIRS) {
    it(`${to} restarted under ${from} -> ${to}: unconfirmed retried, 0 lost`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f5-${from}-${to}`);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const bridge = await startBridge(
        bridgeYaml([
          {
            from: { broker: from, yaml: BROKERS[from].yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: to, yaml: BROKERS[to].yaml(`${name}-dst`) }],
            maxInFlight: 64,
            extra: '    retry: { maxAttempts: 10, initialDelay: 200ms, maxDelay: 5s }',
          },
        ]),
      );
      const rss = new RssSampler(() => bridge.child.pid);
      const source = await openTransport(BROKERS[from]);
      const sent = await produce(source, BROKERS[from].address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 500,
      });
      await sink.until(() => sink.distinct >= COUNT / 4, 120_000, 'a quarter delivered');
      const restartAt = Date.now();
      await restartBroker(BROKERS[to]);
      const backAt = Date.now();
      const atBack = sink.distinct;
      let resumedMs = Number.POSITIVE_INFINITY;
      await sink
        .until(
          () => sink.distinct > atBack + 64 || sink.distinct >= COUNT,
          120_000,
          'flow after the sink returned',
        )
        .then(() => {
          resumedMs = Date.now() - backAt;
        })
        .catch(() => undefined);
      await sink.waitDistinct(COUNT, 240_000, 3000);
      const verdict = judge(sent, sink.received);
      const allowed = to === 'redis' ? READ_WINDOW : 0;
      const failed = recordRow({
        scenario: 5,
        title: 'sink broker restarted',
        case: `${to} (${from}->)`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: Number.isFinite(resumedMs) ? resumedMs : null,
        startedAt,
        checks: {
          [allowed ? `lost <= ${allowed} (Redis keeps nothing on disk)` : '0 lost']:
            verdict.lost <= allowed && verdict.unexpected === 0,
          'flow resumes after the sink returns': Number.isFinite(resumedMs),
        },
        notes: `restart took ${((backAt - restartAt) / 1000).toFixed(1)} s; ${atBack} delivered when it returned${to === 'redis' && verdict.lost > 0 ? `; ${verdict.lost} confirmed entries died with Redis before the checker read them` : ''}`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});
