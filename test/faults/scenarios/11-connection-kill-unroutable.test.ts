import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { withRabbit } from '../../helpers/rabbit.js';
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
import { judge } from '../oracle.js';
import { recordRow } from '../report.js';

/**
 * Scenario 11: (a) Redis `CLIENT KILL` of the bridge's blocking stream reader, three times during a
 * transfer: reading resumes and entries read on a cut connection are reclaimed (nothing stays pending);
 * (b) RabbitMQ sink publishes with `mandatory` to a routing key no queue is bound to: those messages are
 * dead-lettered and not counted as published.
 */
const up = await brokersUp('amqp', 'redis');
const COUNT = scaled(100_000);

afterEach(cleanup);

describe.runIf(up)('11 connection kill and unroutable publish', () => {
  it('redis -> amqp: CLIENT KILL of the reading connection x3, reading resumes, pending entries reclaimed', async () => {
    const startedAt = Date.now();
    const name = uniqueName('f11a');
    const redis = new Redis(BROKERS.redis.port, BROKERS.redis.host);
    try {
      const sink = await SinkReader.open(BROKERS.amqp, BROKERS.amqp.address(`${name}-dst`));
      const bridge = await startBridge(
        bridgeYaml(
          [
            {
              from: {
                broker: 'redis',
                connection: 'src',
                yaml: BROKERS.redis.yaml(`${name}-src`),
                group: 'bridge',
              },
              to: [{ broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-dst`) }],
              maxInFlight: 64,
            },
          ],
          {
            connections: {
              src: {
                url: BROKERS.redis.url,
                options: { ...BROKERS.redis.options, connectionNamePrefix: name },
              },
            },
          },
        ),
      );
      const rss = new RssSampler(() => bridgePids(bridge));
      const source = await openTransport(BROKERS.redis);
      const producing = produce(source, BROKERS.redis.address(`${name}-src`), makeObserved(name, COUNT), {
        batch: 250,
      });
      const kills: number[] = [];
      const recoveries: number[] = [];
      for (const fraction of [0.25, 0.5, 0.75]) {
        await sink.until(() => sink.distinct >= COUNT * fraction, 240_000, `${fraction * 100} % delivered`);
        const list = (await redis.call('CLIENT', 'LIST')) as string;
        const readers = list
          .split('\n')
          .filter((l) => l.includes(` name=${name}:reader:`))
          .map((l) => /(?:^|\s)id=(\d+)/.exec(l)?.[1])
          .filter((id): id is string => id !== undefined);
        for (const id of readers) kills.push(Number(await redis.call('CLIENT', 'KILL', 'ID', id)));
        const before = sink.distinct;
        const t0 = Date.now();
        await sink.until(
          () => sink.distinct > before + 64 || sink.distinct >= COUNT,
          60_000,
          'reading after CLIENT KILL',
        );
        recoveries.push(Date.now() - t0);
      }
      const sent = await producing;
      await sink.waitDistinct(sent.length, 240_000, 3000);
      let pending = -1;
      await poll(
        async () => {
          const summary = (await redis.xpending(`${name}-src`, 'bridge')) as [number, ...unknown[]];
          pending = Number(summary[0]);
          return pending === 0;
        },
        30_000,
        'no pending entries',
      ).catch(() => undefined);
      const verdict = await judgeRoute(sent, sink, {
        broker: 'redis',
        address: BROKERS.redis.address(`${name}-src`),
        group: 'bridge',
      });
      const failed = recordRow({
        scenario: 11,
        title: 'Redis CLIENT KILL of the reader',
        case: 'redis->amqp',
        verdict,
        peakRssBytes: rss.stop(),
        recoveryMs: Math.max(...recoveries),
        startedAt,
        checks: {
          'reader connections found and killed': kills.length >= 3 && kills.every((k) => k === 1),
          '0 lost': verdict.lost === 0 && verdict.unexpected === 0,
          'no pending entries left': pending === 0,
        },
        notes: `${kills.length} reader connections killed; ${recoveries.map((r) => (r / 1000).toFixed(1)).join(', ')} s to 64 more deliveries; ${pending} pending at the end`,
        scale: SCALE,
        seed: SEED,
      });
      expect(failed).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('redis -> amqp exchange: unroutable mandatory publishes are dead-lettered, not counted as published', async () => {
    const startedAt = Date.now();
    const name = uniqueName('f11b');
    const exchange = `${name}-x`;
    await withRabbit(async (ch) => {
      await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    });
    const sink = await SinkReader.open(BROKERS.amqp, { exchange, routingKey: 'bound' });
    const dlq = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dlq`), true);
    const bridge = await startBridge(
      bridgeYaml([
        {
          name: 'unroutable',
          from: { broker: 'redis', yaml: BROKERS.redis.yaml(`${name}-src`), group: 'bridge' },
          to: [
            { broker: 'amqp', yaml: { exchange, routingKey: 'bound' }, when: 'body.seq % 10 != 0' },
            { broker: 'amqp', yaml: { exchange, routingKey: 'nobody-bound' }, when: 'body.seq % 10 = 0' },
          ],
          maxInFlight: 64,
          extra: `    deadLetter: { connection: redis, stream: "${name}-dlq" }`,
        },
      ]),
    );
    const source = await openTransport(BROKERS.redis);
    const all = makeObserved(name, scaled(20_000));
    const sent = await produce(source, BROKERS.redis.address(`${name}-src`), all);
    const routable = sent.filter((m) => m.seq % 10 !== 0);
    const unroutable = new Set(sent.filter((m) => m.seq % 10 === 0).map((m) => m.id));
    await sink.waitDistinct(routable.length, 120_000, 0);
    await dlq
      .until(() => dlq.deliveries.length >= unroutable.size, 60_000, 'dead letters')
      .catch(() => undefined);
    await sleep(1000);
    const published = await bridge.metric('polybus_messages_published_total');
    const deadLettered = await bridge.metric('polybus_messages_dead_lettered_total');
    const verdict = judge(routable, sink.received);
    const dlqIds = new Set(dlq.deliveries.map((d) => d.id));
    const wrongDlq = dlq.deliveries.filter((d) => !unroutable.has(d.id)).length;
    const reason = dlq.deliveries[0]?.headers['x-polybus-error'] ?? '';
    const failed = recordRow({
      scenario: 11,
      title: 'RabbitMQ unroutable (mandatory)',
      case: 'redis->amqp exchange',
      verdict,
      startedAt,
      checks: {
        'every unroutable message dead-lettered':
          [...unroutable].every((id) => dlqIds.has(id)) && wrongDlq === 0,
        'unroutable not counted as published': published === routable.length,
        'every routable message delivered': verdict.lost === 0 && verdict.unexpected === 0,
      },
      notes: `${unroutable.size} unroutable of ${sent.length}; published_total ${published}, dead_lettered_total ${deadLettered}; reason: ${reason.slice(0, 100)}`,
      scale: SCALE,
      seed: SEED,
    });
    expect(failed).toEqual([]);
  });
});
