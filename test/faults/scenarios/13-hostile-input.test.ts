import { createMessage, type Message } from '@polybus/core';
import amqplib from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveProbe } from '../../helpers/live-probe.js';
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
 * Scenario 13, hostile input (issue 14): one route (RabbitMQ -> Redis stream) whose filter turns
 * poison bodies into endless recursion, stack growth or a 1e7 range, mixed into good messages that
 * carry hostile headers (CR/LF sent by a foreign AMQP client, since polybus refuses to publish them;
 * 8 KiB values; names `__proto__` / `constructor` / `prototype`). Each
 * poison message is dead-lettered within its expression budget with a reason that quotes neither the
 * expression nor the body; every good message arrives; the bridge process is never restarted,
 * `/health/live` answers every probe and the bridge's event loop is never held up for 1 s (as the bridge
 * measures it; the wall-clock probe time is reported in the notes).
 */
const up = await brokersUp('amqp', 'redis');
const COUNT = scaled(10_000);
const EVERY = 50;
const KINDS = ['loop', 'deep', 'range'] as const;
const FILTER = [
  'body.kind = "loop" ? ($f := function($x){ $f($x) }; $f(1))',
  ': body.kind = "deep" ? ($g := function($x){ 1 + $g($x) }; $g(1))',
  ': body.kind = "range" ? $count([1..10000000]) > 0',
  ': true',
].join(' ');

afterEach(cleanup);

describe.runIf(up)('13 hostile input', () => {
  it('amqp -> redis: poison expressions dead-lettered in budget, hostile headers delivered, no restart', async () => {
    const startedAt = Date.now();
    const name = uniqueName('f13');
    const sink = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dst`));
    const dlq = await SinkReader.open(BROKERS.redis, BROKERS.redis.address(`${name}-dlq`), true);
    const bridge = await startBridge(
      bridgeYaml(
        [
          {
            name: 'hostile',
            from: { broker: 'amqp', yaml: BROKERS.amqp.yaml(`${name}-src`), group: 'bridge' },
            to: [{ broker: 'redis', yaml: BROKERS.redis.yaml(`${name}-dst`) }],
            maxInFlight: 64,
            extra: [
              `    filter: '${FILTER}'`,
              `    deadLetter: { connection: redis, stream: "${name}-dlq" }`,
            ].join('\n'),
          },
        ],
        { connections: { redis: { url: BROKERS.redis.url, options: BROKERS.redis.options } } },
      ),
    );
    const pid = bridge.child.pid;
    const rss = new RssSampler(() => bridgePids(bridge));

    const live = new LiveProbe(bridge, { intervalMs: 50 });

    const source = await openTransport(BROKERS.amqp);
    const good = makeObserved(name, COUNT);
    const enc = new TextEncoder();
    const hostileHeaders = [
      { 'x-crlf': 'a\r\nInjected: yes' },
      { 'x-big': 'h'.repeat(8_192) },
      JSON.parse('{"__proto__":"p","constructor":"c","prototype":"q"}') as Record<string, string>,
    ];
    const { messages, poison } = interleavePoison(
      good.map((m, i) =>
        createMessage({
          id: m.id,
          key: m.key,
          headers: { 'content-type': 'application/json', ...hostileHeaders[(i + 1) % hostileHeaders.length] },
          body: enc.encode(encodeObserved(m)),
        }),
      ),
      {
        prefix: name,
        every: EVERY,
        kinds: KINDS,
        body: (kind, id) => enc.encode(JSON.stringify({ id, kind, secret: 'BODY-SECRET' })),
      },
    );
    // polybus refuses to publish a CR/LF header (the header policy), so the messages carrying one come
    // from a foreign producer (amqplib itself), in their place in the sequence: the bridge receives them
    // as a hostile client would send them. The first message goes through polybus, which declares the
    // exchange.
    // a string address is a topic exchange; the bridge's group reads queue `<exchange>.bridge` bound to it
    const exchange = BROKERS.amqp.address(`${name}-src`) as string;
    const foreign = await amqplib.connect(BROKERS.amqp.url);
    const channel = await foreign.createConfirmChannel();
    let run: Message[] = [];
    const flush = async () => {
      for (let i = 0; i < run.length; i += 250) await source.publish(exchange, run.slice(i, i + 250));
      run = [];
    };
    for (const m of messages) {
      if (m.headers['x-crlf'] === undefined) {
        run.push(m);
        continue;
      }
      await flush();
      const { 'content-type': contentType, ...headers } = m.headers;
      channel.publish(exchange, m.key ?? '', Buffer.from(m.body), {
        messageId: m.id,
        persistent: true,
        contentType,
        headers: { ...headers, 'x-polybus-key': m.key },
      });
      await channel.waitForConfirms();
    }
    await flush();
    await foreign.close();

    await sink.waitDistinct(good.length, 300_000, 0);
    await poll(() => dlq.deliveries.length >= poison.size, 120_000, 'dead letters').catch(() => undefined);
    const liveness = await live.stop();
    const status = JSON.parse((await bridge.get('/routes')).text).routes[0] as { state: string };
    const verdict = judge(good, sink.received);
    const problems: string[] = [];
    for (const d of dlq.deliveries) {
      const kind = poison.get(d.id)?.kind;
      const reason = d.headers['x-polybus-error'] ?? '';
      if (!kind) problems.push(`good message ${d.id} dead-lettered: ${reason.slice(0, 120)}`);
      else if (/function|\$count|BODY-SECRET/.test(reason))
        problems.push(`${d.id} reason quotes source or body`);
      else if (!/time budget exceeded|depth limit exceeded|sequence too long/.test(reason))
        problems.push(`${d.id} (${kind}) unexpected reason: ${reason.slice(0, 120)}`);
    }
    const missing = neverDeadLettered(poison, dlq.deliveries);
    const failed = recordRow({
      scenario: 13,
      title: 'hostile input',
      case: 'amqp->redis, DLQ redis',
      verdict,
      peakRssBytes: rss.stop(),
      startedAt,
      checks: {
        'every poison expression dead-lettered within its budget': missing.length === 0,
        'reasons name kind and position only; no good message dead-lettered': problems.length === 0,
        'every good message delivered (CR/LF, 8 KiB and __proto__ headers among them)': verdict.lost === 0,
        'bridge never restarted; /health/live answered every probe; event loop never held up 1 s':
          bridge.child.pid === pid &&
          bridge.child.exitCode === null &&
          liveness.failures === 0 &&
          liveness.eventLoopDelayMaxMs < 1_000,
        'route still running': status.state === 'running',
      },
      notes: `${poison.size} poison (${KINDS.join(', ')}) among ${good.length} good; ${dlq.deliveries.length} dead letters; ${liveness.summary}${missing.length ? `; never dead-lettered: ${missing.slice(0, 5).join(', ')}` : ''}${problems.length ? `; ${problems.slice(0, 5).join('; ')}` : ''}`,
      scale: SCALE,
      seed: SEED,
    });
    expect(failed).toEqual([]);
  });
});
