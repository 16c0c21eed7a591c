import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NEW_PAIRS, PAIRS, preparePair } from '../brokers.js';
import { brokersUpAll, DISRUPTIVE, restartBroker } from '../disrupt.js';
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
import { RESULTS_DIR, recordRow } from '../report.js';

/**
 * Scenario 5 (disruptive): each sink broker restarted mid-stream. Publishes the sink did not confirm
 * are retried; nothing is lost.
 *
 * Redis keeps nothing on disk: entries Redis had confirmed (so the bridge rightly acked their source)
 * but the checker had not read yet die with it. For a Redis sink the check allows that many — at most
 * the checker's read window (512) — and the notes give the count.
 */
const up = DISRUPTIVE && (await brokersUp('amqp', 'kafka', 'redis', 'nats'));
/** Artemis and RocketMQ rows: only this suite and their adapters' tests use those brokers. */
const ROWS = [...PAIRS, ...(DISRUPTIVE && (await brokersUp('amqp1', 'rocketmq')) ? NEW_PAIRS : [])];
const COUNT = scaled(100_000);
const READ_WINDOW = 512;

afterEach(cleanup);

/** The bridge's warnings and errors (last 15), its /routes answer and the checker's counts. */
function failureContext(stderr: string, views: readonly string[], checker: string): string {
  const notable = stderr
    .split('\n')
    .filter((line) => /"level":(40|50|60)/.test(line))
    .slice(-15)
    .map((line) => line.slice(0, 400));
  return [
    checker,
    'bridge warnings/errors:',
    ...notable,
    views[0]?.slice(0, 3000) ?? '(no /routes view)',
  ].join('\n');
}
afterAll(brokersUpAll);

describe.runIf(up)('5 sink broker restarted', () => {
  for (const [from, to] of ROWS) {
    it(`${to} restarted under ${from} -> ${to}: unconfirmed retried, 0 lost`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f5-${from}-${to}`);
      await preparePair(from, to, name);
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
      const rss = new RssSampler(() => bridgePids(bridge));
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
      // A Redis sink may rightly lose what it confirmed before the restart: stop waiting once nothing new
      // came for 20 s instead of running to the timeout (the verdict then says how many are missing).
      await sink.waitDistinct(COUNT, 240_000, 3000, to === 'redis' ? 20_000 : undefined);
      // The bridge's view, read while it still runs (judgeRoute stops it when something is missing).
      const views =
        sink.distinct < COUNT || !Number.isFinite(resumedMs) || process.env.POLYBUS_FAULT_KEEP_LOGS === '1'
          ? await Promise.all(
              ['/routes', '/health/ready', '/metrics'].map(async (path) => {
                const answer = await bridge
                  .get(path)
                  .catch((error: unknown) => ({ status: 0, text: String(error) }));
                return `==== GET ${path} -> ${answer.status}\n${answer.text}\n`;
              }),
            )
          : [];
      const checkerAtEnd = `checker: ${sink.distinct} distinct, ${sink.received.length} received`;
      const verdict = await judgeRoute(sent, sink, {
        broker: from,
        address: BROKERS[from].address(`${name}-src`),
        group: 'bridge',
      });
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
      if (failed.length > 0 || process.env.POLYBUS_FAULT_KEEP_LOGS === '1') {
        // The bridge's own log and its view of the routes, for whoever reads the failure (kept beside
        // the result rows).
        writeFileSync(join(RESULTS_DIR, `05-${name}.bridge.log`), `${bridge.stderr}\n${views.join('')}`);
      }
      // A failure in CI leaves only its output: say there what the bridge and the checker saw.
      expect(failed, failed.length > 0 ? failureContext(bridge.stderr, views, checkerAtEnd) : '').toEqual([]);
    });
  }
});
