import { afterEach, describe, expect, it } from 'vitest';
import { readyCount } from '../../helpers/rabbit.js';
import type { BrokerName } from '../brokers.js';
import {
  BROKERS,
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
 * Scenario 8: the sink (NATS JetStream, Redis or RabbitMQ, reached through a proxy in the test process; Kafka
 * cannot be proxied this way, its clients connect to the advertised broker address) goes down and
 * stays down while messages keep arriving. The source queue keeps them, /health/ready answers 503,
 * nothing is dead-lettered (retries wait for the connection instead of being used up), and once the
 * sink is back everything flows.
 */
const up = await brokersUp('amqp', 'nats', 'redis');
const COUNT = scaled(40_000);
const MAX_IN_FLIGHT = 64;
const DOWN_MS = SCALE >= 1 ? 120_000 : 20_000;

let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await cleanup();
});

const SINKS: readonly BrokerName[] = ['nats', 'redis', 'amqp'];

describe.runIf(up)('8 sink permanently down', () => {
  for (const to of SINKS) {
    it(`amqp -> ${to} (proxy down): source keeps messages, ready 503, no dead letters, all flow after`, async () => {
      const startedAt = Date.now();
      const name = uniqueName(`f8-${to}`);
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
      const rss = new RssSampler(() => bridge.child.pid);
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

/** The sink broker's URL with the proxy's port. */
function proxiedUrl(to: BrokerName, port: number): string {
  return BROKERS[to].url.replace(`:${BROKERS[to].port}`, `:${port}`);
}
