import { randomBytes } from 'node:crypto';
import { brokerAdapters, createBridgeRegistry } from '@polybus/bridge';
import { type Address, createMessage, type Message, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTopics } from '../packages/adapter-rocketmq/test/rocketmq-test-env.js';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import { freePort } from './helpers/free-port.js';

/**
 * The broker matrix: every broker as a source and as a sink (memory included), each pair moving
 * 1,000 messages with key and headers through a real `polybus run` process, checking nothing lost,
 * nothing duplicated, and id, key, user headers and body bytes unchanged (no transform).
 *
 * A broker joins the matrix once its adapter passes its conformance suite (ENABLED). A pair whose
 * adapter is not exported or not enabled is skipped — or fails, with POLYBUS_REQUIRE_BROKERS=1.
 *
 * The cross product of the first five brokers always runs; the newer adapters (mqtt, amqp1, rocketmq,
 * zeromq) run in CI as source into the REPRESENTATIVE sinks and as sink from the REPRESENTATIVE
 * sources. POLYBUS_MATRIX_FULL=1 runs the full cross product.
 *
 * ZeroMQ is at-most-once; its rows use push/pull (the bridge's PULL binds as a source, its PUSH binds
 * as a sink; the test's sockets connect), where a slow receiver makes the pusher wait instead of
 * dropping, so with default HWMs nothing is lost and the same exact assertions hold.
 */
const ENABLED = new Set(['memory', 'amqp', 'kafka', 'redis', 'nats', 'mqtt', 'amqp1', 'rocketmq', 'zeromq']);
const CORE = new Set(['memory', 'amqp', 'kafka', 'redis', 'nats']);
const REPRESENTATIVE = new Set(['memory', 'kafka', 'amqp']);
const FULL = process.env.POLYBUS_MATRIX_FULL === '1';
/** Whether the pair runs in this mode (see above). */
const selected = (from: string, to: string) =>
  FULL || (CORE.has(from) && CORE.has(to)) || REPRESENTATIVE.has(from) || REPRESENTATIVE.has(to);
const COUNT = 1000;
const REQUIRE = process.env.POLYBUS_REQUIRE_BROKERS === '1';

interface BrokerSpec {
  readonly name: string;
  /** Export name of the adapter descriptor in its package (none for memory). */
  readonly adapter?: string;
  readonly port?: number;
  readonly url: string;
  readonly options?: Record<string, unknown>;
  /** Native address keys for a fresh name: in the YAML endpoint and for the test's own transport. */
  address(name: string): { yaml: Record<string, string>; address: Address };
  /** The adapter has no consumer groups (a route from it names none). */
  readonly groupless?: boolean;
  /** Per-pair setup (topics to create, a fresh endpoint); by default the static url and options. */
  endpoint?(role: 'source' | 'sink', name: string): Promise<Endpoint>;
}

/** Where one side of a pair lives: the bridge's connection and the test's own transport. */
interface Endpoint {
  readonly url: string;
  readonly bridgeOptions?: Record<string, unknown>;
  readonly testOptions?: Record<string, unknown>;
}

const BROKERS: readonly BrokerSpec[] = [
  { name: 'memory', url: 'memory://matrix', address: (n) => ({ yaml: { topic: n }, address: n }) },
  {
    name: 'amqp',
    adapter: 'amqpAdapter',
    port: 5672,
    url: 'amqp://guest:guest@127.0.0.1:5672',
    address: (n) => ({ yaml: { address: n }, address: n }),
  },
  {
    name: 'kafka',
    adapter: 'kafkaAdapter',
    port: 9092,
    url: 'kafka://127.0.0.1:9092',
    options: { clientId: 'polybus-matrix' },
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'redis',
    adapter: 'redisAdapter',
    port: 6379,
    url: 'redis://127.0.0.1:6379',
    address: (n) => ({ yaml: { stream: n }, address: { stream: n } }),
  },
  {
    name: 'nats',
    adapter: 'natsAdapter',
    port: 4222,
    url: 'nats://127.0.0.1:4222',
    options: { createStreams: true },
    address: (n) => ({ yaml: { subject: n }, address: { subject: n } }),
  },
  {
    name: 'mqtt',
    adapter: 'mqttAdapter',
    port: 1883,
    url: 'mqtt://127.0.0.1:1883',
    // MQTT 5, QoS 1: groups are shared subscriptions on persistent sessions (the bridge's and the
    // test's groups differ, so their client ids do too). MQTT keeps nothing for a topic nobody
    // subscribes: the bridge's source subscription exists once it says "bridge running", the test's
    // sink subscription before the bridge starts.
    address: (n) => ({ yaml: { topic: n }, address: n }),
  },
  {
    name: 'amqp1',
    adapter: 'amqp1Adapter',
    port: 5673,
    url: 'amqp1://artemis:artemis@127.0.0.1:5673',
    // A topic: the test's group (a durable shared subscription) exists before the bridge publishes.
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'rocketmq',
    adapter: 'rocketmqAdapter',
    port: 18081,
    url: 'rocketmq://127.0.0.1:18081',
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
    async endpoint(_role, name) {
      await createTopics([name]); // the gRPC proxy cannot create topics
      return { url: this.url };
    },
  },
  {
    name: 'zeromq',
    adapter: 'zeromqAdapter',
    url: 'zmq+tcp://127.0.0.1:0',
    groupless: true,
    address: () => ({ yaml: {}, address: '' }),
    async endpoint(role) {
      const url = `zmq+tcp://127.0.0.1:${await freePort()}`;
      return {
        url,
        bridgeOptions: { pattern: 'pushpull', bind: role === 'source' ? 'receiver' : 'sender' },
        testOptions: { pattern: 'pushpull', bind: 'none' },
      };
    },
  },
];

const exported = new Set(brokerAdapters().map((d) => d.scheme));
const schemeOf = (spec: BrokerSpec) => spec.url.slice(0, spec.url.indexOf(':'));
const reachable = new Map<string, boolean>();
for (const spec of BROKERS) {
  if (spec.port === undefined) reachable.set(spec.name, true);
  else if (ENABLED.has(spec.name) || REQUIRE)
    reachable.set(spec.name, await requireBroker(spec.name, '127.0.0.1', spec.port));
}

/** Why a broker cannot take part, or undefined when it can. */
function missing(spec: BrokerSpec): string | undefined {
  if (spec.adapter !== undefined && !exported.has(schemeOf(spec)))
    return `@polybus/adapter-${spec.name} does not export ${spec.adapter} yet`;
  if (!ENABLED.has(spec.name))
    return `${spec.name} is not enabled in the matrix yet (its conformance suite must pass first)`;
  if (!reachable.get(spec.name)) return `${spec.name} broker is not reachable`;
  return undefined;
}

const yamlObject = (value: Record<string, unknown>) =>
  `{ ${Object.entries(value)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
    .join(', ')} }`;
const connection = (end: Endpoint) =>
  end.bridgeOptions ? yamlObject({ url: end.url, options: end.bridgeOptions }) : JSON.stringify(end.url);
const endpointOf = (spec: BrokerSpec, role: 'source' | 'sink', name: string): Promise<Endpoint> =>
  spec.endpoint?.(role, name) ??
  Promise.resolve({
    url: spec.url,
    ...(spec.options ? { bridgeOptions: spec.options, testOptions: spec.options } : {}),
  });

let bridge: BridgeProcess | undefined;
const transports: Transport[] = [];
afterEach(async () => {
  bridge?.kill();
  bridge = undefined;
  await Promise.all(transports.splice(0).map((t) => t.close({ timeoutMs: 1000 }).catch(() => undefined)));
});

async function open(end: Endpoint): Promise<Transport> {
  const transport = createBridgeRegistry().createTransport(end.url, end.testOptions ?? {});
  transports.push(transport);
  await transport.connect();
  return transport;
}

function makeMessages(pair: string): Message[] {
  return Array.from({ length: COUNT }, (_, i) =>
    createMessage({
      id: `${pair}-${i}`,
      key: `k-${i % 10}`,
      headers: { 'x-seq': String(i), 'x-pair': pair, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(Buffer.concat([Buffer.from(`${i}:`), randomBytes(24), Buffer.from([0, 255, 10])])),
    }),
  );
}

describe('bridge matrix: every broker to every broker, 1,000 messages each', () => {
  for (const from of BROKERS) {
    for (const to of BROKERS) {
      const title = `${from.name} -> ${to.name}`;
      // pairs outside CI's selection are not registered at all (POLYBUS_MATRIX_FULL=1 runs them), so
      // a CI run reports no skipped test
      if (!selected(from.name, to.name)) continue;
      const why = missing(from) ?? missing(to);
      if (why !== undefined && !REQUIRE) {
        it.skip(`${title} (${why})`, () => undefined);
        continue;
      }
      it(title, { timeout: 180_000 }, async () => {
        if (why !== undefined) throw new Error(`${title} cannot run: ${why}`);
        const pair = uniqueName(`mx-${from.name}-${to.name}`);
        const src = from.address(`${pair}-src`);
        const dst = to.address(`${pair}-dst`);
        const group = `${pair}-bridge`;
        const messages = makeMessages(pair);
        const srcEnd = await endpointOf(from, 'source', `${pair}-src`);
        const dstEnd = await endpointOf(to, 'sink', `${pair}-dst`);
        const started = Date.now();

        // The sink side: the test's own group on the sink address (created before anything is sent),
        // or for memory, a printer route inside the bridge process.
        const received: Message[] = [];
        if (to.name !== 'memory') {
          const sink = await open(dstEnd);
          await sink.subscribe(
            dst.address,
            async (delivery) => {
              received.push(delivery.message);
              await delivery.ack();
            },
            { ...(to.groupless ? {} : { group: `${pair}-check` }), maxInFlight: 256 },
          );
        }

        const routes = [
          `  - name: pair
    from: ${yamlObject({ connection: 'src', ...src.yaml, ...(from.groupless ? {} : { group }) })}
    to: [${yamlObject({ connection: 'dst', ...dst.yaml })}]
    maxInFlight: 256`,
        ];
        if (from.name === 'memory')
          routes.push(
            `  - name: feed\n    from: { connection: in }\n    to: [${yamlObject({ connection: 'src', ...src.yaml })}]`,
          );
        if (to.name === 'memory')
          routes.push(
            `  - name: print\n    from: ${yamlObject({ connection: 'dst', ...dst.yaml, ...(to.groupless ? {} : { group: 'printer' }) })}\n    to: [{ connection: out }]`,
          );
        const config = `connections:
  src: ${connection(srcEnd)}
  dst: ${connection(dstEnd)}
  in: { url: "stdio://", options: { format: json } }
  out: { url: "stdio://", options: { format: json } }
http: { port: 0 }
routes:
${routes.join('\n')}
`;
        bridge = await BridgeProcess.start(writeConfig(config), { env: { POLYBUS_LOG_LEVEL: 'info' } });
        const running = bridge;

        if (from.name === 'memory') {
          running.send(
            messages.map((m) =>
              JSON.stringify({
                id: m.id,
                key: m.key,
                headers: m.headers,
                timestamp: m.timestamp,
                bodyBase64: Buffer.from(m.body).toString('base64'),
              }),
            ),
          );
        } else {
          const source = await open(srcEnd);
          for (let i = 0; i < COUNT; i += 100) await source.publish(src.address, messages.slice(i, i + 100));
        }

        const got = (): Message[] =>
          to.name === 'memory'
            ? running
                .json<{
                  id: string;
                  key?: string;
                  headers: Record<string, string>;
                  timestamp: number;
                  body?: string;
                  bodyBase64?: string;
                }>()
                .map((l) =>
                  createMessage({
                    id: l.id,
                    headers: l.headers,
                    timestamp: l.timestamp,
                    body:
                      l.bodyBase64 !== undefined
                        ? new Uint8Array(Buffer.from(l.bodyBase64, 'base64'))
                        : (l.body ?? ''),
                    ...(l.key === undefined ? {} : { key: l.key }),
                  }),
                )
            : received;
        await expect
          .poll(() => got().length, { timeout: 120_000, interval: 200 })
          .toBeGreaterThanOrEqual(COUNT);
        await new Promise((r) => setTimeout(r, 1000)); // anything extra (a duplicate) would arrive now
        const all = got();
        const ids = all.map((m) => m.id);
        expect(new Set(ids).size, 'no duplicates').toBe(ids.length);
        expect(ids.length, 'nothing lost, nothing extra').toBe(COUNT);
        const byId = new Map(all.map((m) => [m.id, m]));
        for (const sent of messages) {
          const arrived = byId.get(sent.id);
          expect(arrived, `message ${sent.id}`).toBeDefined();
          if (!arrived) continue;
          expect(Buffer.from(arrived.body).equals(Buffer.from(sent.body)), `body bytes of ${sent.id}`).toBe(
            true,
          );
          expect(arrived.key).toBe(sent.key);
          expect(arrived.headers).toMatchObject(sent.headers);
        }
        expect(await running.metric('polybus_messages_received_total', { route: 'pair' })).toBe(COUNT);
        expect(await running.metric('polybus_messages_published_total', { route: 'pair' })).toBe(COUNT);
        expect(await running.stop('SIGTERM')).toBe(0);
        console.info(`matrix ${title}: ${COUNT} messages in ${Date.now() - started} ms`);
      });
    }
  }
});
