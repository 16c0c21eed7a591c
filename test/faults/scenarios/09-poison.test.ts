import { createMessage } from '@polybus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { interleavePoison, neverDeadLettered } from '../../helpers/poison-mix.js';
import {
  BROKERS,
  bridgePids,
  bridgeYaml,
  brokersUp,
  cleanup,
  makeObserved,
  openTransport,
  poll,
  RssSampler,
  SCALE,
  SEED,
  SinkReader,
  scaled,
  startBridge,
  uniqueName,
} from '../harness.js';
import { encodeObserved, judge } from '../oracle.js';
import { recordRow } from '../report.js';

/**
 * Scenario 9: poison messages mixed into good ones on one route (RabbitMQ -> Kafka with a JSONata
 * transform, dead letters to a Redis stream): bodies that are not JSON, bodies that make the transform
 * throw, bodies larger than the sink accepts. Each poison message lands in the dead-letter stream with
 * its original body and `x-polybus-*` reasons; every good message arrives; the route keeps running.
 */
const up = await brokersUp('amqp', 'kafka', 'redis');
const COUNT = scaled(40_000);
const EVERY = 25;
const SINK_MAX_BYTES = 16_384;
const KINDS = ['invalid-json', 'transform-throws', 'too-large'] as const;

afterEach(cleanup);

describe.runIf(up)('9 poison messages', () => {
  it('amqp -> kafka: each poison message dead-lettered with reasons and original body; every good one delivered', async () => {
    const startedAt = Date.now();
    const name = uniqueName('f9');
    const sink = await SinkReader.open(BROKERS.kafka, BROKERS.kafka.address(`${name}-dst`));
    const dlq = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dlq`), true);
    const bridge = await startBridge(
      bridgeYaml(
        [
          {
            name: 'poisoned',
            from: { broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: 'kafka', yaml: BROKERS.kafka.yaml(`${name}-dst`) }],
            maxInFlight: 64,
            extra: [
              `    transform:`,
              `      body: 'body.kind = "throw" ? $error("poison: transform throws") : { "id": body.id, "key": body.key, "seq": body.seq, "pad": body.pad }'`,
              `    retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 1s }`,
              `    deadLetter: { connection: redis, stream: "${name}-dlq" }`,
            ].join('\n'),
          },
        ],
        {
          connections: {
            kafka: {
              url: BROKERS.kafka.url,
              options: { ...BROKERS.kafka.options, maxMessageBytes: SINK_MAX_BYTES },
            },
            redis: { url: BROKERS.redis.url, options: BROKERS.redis.options },
          },
        },
      ),
    );
    const rss = new RssSampler(() => bridgePids(bridge));
    const source = await openTransport(BROKERS.amqp);
    const good = makeObserved(name, COUNT);
    const enc = new TextEncoder();
    const { messages, poison } = interleavePoison(
      good.map((m) =>
        createMessage({
          id: m.id,
          key: m.key,
          headers: { 'content-type': 'application/json' },
          body: enc.encode(encodeObserved(m)),
        }),
      ),
      {
        prefix: name,
        every: EVERY,
        kinds: KINDS,
        body: (kind, id) =>
          kind === 'invalid-json'
            ? enc.encode(`{"id":"${id}", this is not json`)
            : kind === 'transform-throws'
              ? enc.encode(JSON.stringify({ id, key: 'poison', seq: 0, kind: 'throw' }))
              : enc.encode(encodeObserved({ id, key: 'poison', seq: 0 }, SINK_MAX_BYTES * 2)),
      },
    );
    for (let i = 0; i < messages.length; i += 250)
      await source.publish(BROKERS.amqp.address(`${name}-src`), messages.slice(i, i + 250));

    await sink.waitDistinct(good.length, 240_000, 0);
    await poll(() => dlq.deliveries.length >= poison.size, 60_000, 'dead letters').catch(() => undefined);
    const status = JSON.parse((await bridge.get('/routes')).text).routes[0] as { state: string };
    const verdict = judge(good, sink.received);
    const problems: string[] = [];
    for (const d of dlq.deliveries) {
      const p = poison.get(d.id);
      if (!p) {
        problems.push(`good message ${d.id} dead-lettered: ${d.headers['x-polybus-error']}`);
        continue;
      }
      if (Buffer.compare(Buffer.from(d.body), Buffer.from(p.body)) !== 0)
        problems.push(`${d.id} (${p.kind}) body changed`);
      for (const h of ['x-polybus-error', 'x-polybus-route', 'x-polybus-source', 'x-polybus-attempts'])
        if (!d.headers[h]) problems.push(`${d.id} (${p.kind}) lacks ${h}`);
    }
    const missing = neverDeadLettered(poison, dlq.deliveries);
    const reasons = [
      ...new Set(
        dlq.deliveries.map(
          (d) => `${poison.get(d.id)?.kind}: ${(d.headers['x-polybus-error'] ?? '').slice(0, 80)}`,
        ),
      ),
    ];
    const failed = recordRow({
      scenario: 9,
      title: 'poison messages',
      case: 'amqp->kafka, DLQ redis',
      verdict,
      peakRssBytes: rss.stop(),
      startedAt,
      checks: {
        'every poison message dead-lettered': missing.length === 0,
        'dead letters keep body and carry x-polybus-* reasons; no good one dead-lettered':
          problems.length === 0,
        'every good message delivered': verdict.lost === 0,
        'route still running': status.state === 'running',
      },
      notes: `${poison.size} poison (${KINDS.join(', ')}) among ${good.length} good; ${dlq.deliveries.length} dead letters; sent/received count good messages only. Reasons seen: ${reasons.slice(0, 3).join(' | ')}${missing.length ? `; never dead-lettered: ${missing.slice(0, 5).join(', ')}` : ''}${problems.length ? `; ${problems.slice(0, 5).join('; ')}` : ''}`,
      scale: SCALE,
      seed: SEED,
    });
    expect(failed).toEqual([]);
  });
});
