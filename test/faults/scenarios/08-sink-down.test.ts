import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readyCount } from '../../helpers/rabbit.js';
import type { BrokerName } from '../brokers.js';
import { DISRUPTIVE, startBroker, stopBroker } from '../disrupt.js';
import {
  BROKERS,
  bridgePids,
  bridgeYaml,
  brokersUp,
  cleanup,
  judgeRoute,
  makeObserved,
  openTransport,
  poll,
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
 * Scenario 8: the sink (NATS JetStream, Redis, RabbitMQ, Mosquitto or Artemis over AMQP 1.0, reached through a proxy
 * in the test process) goes down and stays down while messages keep arriving. The source queue keeps
 * them, /health/ready answers 503, nothing is dead-lettered (retries wait for the connection instead of
 * being used up), and once the sink is back everything flows.
 */
const up = await brokersUp('amqp', 'nats', 'redis', 'mqtt');
/**
 * The Artemis row, when it runs (only this suite and the adapter's tests use it). Kafka and RocketMQ cannot
 * be proxied this way: their clients connect to the address the broker advertises (Kafka's listener,
 * the RocketMQ proxy's own gRPC port in every route), not to the proxy in front of it. RocketMQ has a row
 * of its own below, which stops the broker instead.
 */
const newSinks = await brokersUp('amqp1');
/** The RocketMQ row stops the broker (only this suite and the adapter's tests use it): disruptive. */
const rocketmqRow = up && DISRUPTIVE && (await brokersUp('rocketmq'));
const COUNT = scaled(40_000);
const MAX_IN_FLIGHT = 64;
const DOWN_MS = SCALE >= 1 ? 120_000 : 20_000;

let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await cleanup();
});
// whatever happened in the RocketMQ row, the broker runs afterwards (a no-op when it does)
afterAll(async () => {
  if (rocketmqRow) await startBroker(BROKERS.rocketmq);
}, 240_000);

const SINKS: readonly BrokerName[] = [
  'nats',
  'redis',
  'amqp',
  'mqtt',
  ...(newSinks ? (['amqp1'] as const) : []),
];

describe.runIf(up)('8 sink permanently down', () => {
  for (const to of SINKS) {
    it(`amqp -> ${to} (proxy down): source keeps messages, ready 503, no dead letters, all flow after`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f8-${to}`);
      await BROKERS[to].prepare?.([`${name}-dst`]);
      proxy = await TcpProxy.start(BROKERS[to].host, BROKERS[to].port);
      const sink = await SinkReader.open(BROKERS[to], BROKERS[to].address(`${name}-dst`));
      const dlq = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dlq`));
      const bridge = await startBridge(
        bridgeYaml(
          [
            {
              from: { broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-src`), group: 'bridge' },
              to: [{ broker: to, connection: 'sink', yaml: BROKERS[to].yaml(`${name}-dst`) }],
              maxInFlight: MAX_IN_FLIGHT,
              extra: `    retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 1s }\n    deadLetter: { connection: redis, stream: "${name}-dlq" }`,
            },
          ],
          {
            connections: {
              sink: {
                url: proxiedUrl(to, proxy.port),
                options:
                  to === 'nats' ? { ...BROKERS.nats.options, reconnectTimeWaitMs: 500 } : BROKERS[to].options,
              },
              redis: { url: BROKERS.redis.url, options: BROKERS.redis.options },
            },
          },
        ),
      );
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS.amqp);
      const address = BROKERS.amqp.address(`${name}-src`);
      const all = makeObserved(name, COUNT);
      const half = Math.floor(COUNT / 2);
      const sent = await produce(source, address, all.slice(0, half));
      await sink.until(() => sink.distinct >= half / 2, 120_000, 'a quarter delivered');

      await proxy.down();
      const downAt = Date.now();
      sent.push(...(await produce(source, address, all.slice(half))));
      await poll(async () => (await bridge.get('/health/ready')).status === 503, 15_000, 'ready 503');
      const readyStatusDown = (await bridge.get('/health/ready')).status;
      await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
      const readyStatusLate = (await bridge.get('/health/ready')).status;
      const deliveredDown = sink.distinct;
      const keptInSource = await readyCount(`${name}-src.bridge`);
      const deadLetteredDown = await bridge.metric('polybus_messages_dead_lettered_total');

      await proxy.up();
      const upAt = Date.now();
      await sink
        .until(() => sink.distinct > deliveredDown, 60_000, 'flow after the sink returns')
        .catch(() => undefined);
      const recoveryMs = Date.now() - upAt;
      await sink.waitDistinct(sent.length, 240_000);
      await poll(async () => (await bridge.get('/health/ready')).status === 200, 30_000, 'ready 200').catch(
        () => undefined,
      );
      const readyAfter = (await bridge.get('/health/ready')).status;
      const verdict = await judgeRoute(sent, sink, {
        broker: 'amqp',
        address: BROKERS.amqp.address(`${name}-src`),
        group: 'bridge',
      });
      const failed = recordRow({
        scenario: 8,
        title: 'sink permanently down',
        case: `amqp->${to} (proxy down)`,
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs,
        startedAt,
        checks: {
          'source keeps the messages': keptInSource >= sent.length - deliveredDown - MAX_IN_FLIGHT,
          '/health/ready 503 while down': readyStatusDown === 503 && readyStatusLate === 503,
          'nothing dead-lettered': deadLetteredDown === 0 && dlq.received.length === 0,
          'all flow once the sink returns (0 lost)': verdict.lost === 0 && verdict.unexpected === 0,
          '/health/ready 200 after': readyAfter === 200,
        },
        notes: `down ${DOWN_MS / 1000} s: ${keptInSource} ready in the source queue, ${sent.length - deliveredDown} undelivered; dead-lettered ${deadLetteredDown}; first delivery ${(recoveryMs / 1000).toFixed(1)} s after the sink returned`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    });
  }
});

/**
 * RocketMQ as the sink, down for good by stopping the broker itself (`scripts/brokers.sh stop rocketmq`:
 * name server, broker and proxy) for the rest of the row. While it is down: the source keeps the
 * messages, /health/ready answers 503, nothing is dead-lettered. Then the bridge is stopped with the sink
 * still down, RocketMQ is started again (always, in `finally`), the checker reads what RocketMQ had
 * confirmed, and the source is read back: every message is at the sink or still at the source (the
 * backlog the route could not move: expected here, not a stall), none lost.
 */
describe.runIf(rocketmqRow)('8 sink permanently down (broker stopped)', () => {
  it('amqp -> rocketmq (broker stopped): source keeps messages, ready 503, no dead letters, backlog at source, 0 lost', async () => {
    const startedAt = Date.now();
    const to = BROKERS.rocketmq;
    const name = uniqueName('f8-rocketmq');
    const dst = to.address(`${name}-dst`);
    await to.prepare?.([`${name}-dst`]);
    const sink = await SinkReader.open(to, dst);
    const dlq = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dlq`));
    const bridge = await startBridge(
      bridgeYaml(
        [
          {
            from: { broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: 'rocketmq', yaml: to.yaml(`${name}-dst`) }],
            maxInFlight: MAX_IN_FLIGHT,
            extra: `    retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 1s }\n    deadLetter: { connection: redis, stream: "${name}-dlq" }`,
          },
        ],
        {
          shutdownTimeout: '10s',
          connections: { redis: { url: BROKERS.redis.url, options: BROKERS.redis.options } },
        },
      ),
    );
    const rss = new RssSampler(() => bridgePids(bridge));
    const source = await openTransport(BROKERS.amqp);
    const address = BROKERS.amqp.address(`${name}-src`);
    const all = makeObserved(name, COUNT);
    const half = Math.floor(COUNT / 2);
    const sent = await produce(source, address, all.slice(0, half));
    await sink.until(() => sink.distinct >= half / 2, 120_000, 'a quarter delivered');
    try {
      const stopAt = Date.now();
      await stopBroker(to);
      const downAt = Date.now();
      sent.push(...(await produce(source, address, all.slice(half))));
      await poll(async () => (await bridge.get('/health/ready')).status === 503, 30_000, 'ready 503');
      const readyStatusDown = (await bridge.get('/health/ready')).status;
      await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
      const readyStatusLate = (await bridge.get('/health/ready')).status;
      const confirmed = await bridge.metric('polybus_messages_published_total');
      const keptInSource = await readyCount(`${name}-src.bridge`);
      const deadLetteredDown = await bridge.metric('polybus_messages_dead_lettered_total');
      // the sink never comes back while the bridge runs: what it did not confirm must go back to the source
      const exitCode = await bridge.stop('SIGTERM', 20_000);
      const peakRss = rss.stop();
      const startAt = Date.now();
      await startBroker(to);
      const startMs = Date.now() - startAt;
      await poll(
        () =>
          sink.reconnect(to, dst).then(
            () => true,
            () => false,
          ),
        90_000,
        'the checker subscribed again',
        2000,
      );
      await sink.waitDistinct(confirmed, 90_000, 1500, 15_000);
      const verdict = await judgeRoute(sent, sink, {
        broker: 'amqp',
        address,
        group: 'bridge',
      });
      const failed = recordRow({
        scenario: 8,
        title: 'sink permanently down',
        case: 'amqp->rocketmq (broker stopped)',
        verdict,
        peakRssBytes: peakRss,
        recoveryMs: null,
        startedAt,
        backlogExpected: true,
        checks: {
          'source keeps what the sink did not confirm':
            keptInSource >= sent.length - confirmed - MAX_IN_FLIGHT,
          '/health/ready 503 while down': readyStatusDown === 503 && readyStatusLate === 503,
          'nothing dead-lettered': deadLetteredDown === 0 && dlq.received.length === 0,
          'every message at the sink or left at the source (0 lost)':
            verdict.lost === 0 && verdict.unexpected === 0 && verdict.stranded > 0,
          'peak RSS < 256 MiB': peakRss < 256 * 1024 * 1024,
        },
        notes: `stop took ${((downAt - stopAt) / 1000).toFixed(1)} s, down ${DOWN_MS / 1000} s with the bridge running: ${keptInSource} ready in the source queue, ${confirmed} confirmed by the sink; dead-lettered ${deadLetteredDown}; bridge stopped with the sink down (exit ${exitCode}); RocketMQ start took ${(startMs / 1000).toFixed(1)} s; ${verdict.delivered} at the sink, ${verdict.stranded} left at the source`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    } finally {
      await startBroker(to);
    }
  });
});

/** The sink broker's URL with the proxy's port. */
function proxiedUrl(to: BrokerName, port: number): string {
  return BROKERS[to].url.replace(`:${BROKERS[to].port}`, `:${port}`);
}
