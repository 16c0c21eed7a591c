import { createBridgeRegistry } from '@polybus/bridge';
import { type Address, createMessage, type Message, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics } from '../packages/adapter-rocketmq/test/rocketmq-test-env.js';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import {
  type Binding,
  EXTENSION,
  fromBrokerMessage,
  type Mode,
  sdkEvent,
  toBrokerMessage,
} from './helpers/cloudevents-sdk.js';
import { freePort } from './helpers/free-port.js';

/**
 * The CloudEvents round trip: an event produced with the `cloudevents` SDK on each source broker is
 * read on each sink broker and validated by the SDK (spec version, required attributes, extension,
 * data equal; binary data bytes equal), for every pair of the matrix's brokers (MQTT 5 and ZeroMQ
 * included), in binary mode, structured mode, and converted between them. One bridge process, one
 * route per source broker and flow, fanning out to every sink broker (so every pair is crossed without
 * a process per pair).
 *
 * ZeroMQ is brokerless and at-most-once: it runs push/pull, one endpoint per flow and role (push/pull
 * has no topics), the bridge's PULL binding as a source and its PUSH binding as a sink, the test's
 * sockets connecting. A PUSH waits for a puller rather than dropping, so the same exact assertions
 * hold; the test's PULLs connect once the bridge is up.
 */
interface BrokerSpec {
  readonly name: string;
  readonly url: string;
  /** TCP port of the shared broker (none for brokerless ZeroMQ). */
  readonly port?: number;
  readonly binding: Binding;
  readonly options?: Record<string, unknown>;
  /** Native address keys for a name (YAML endpoint) and the address the test's transport uses. */
  address(name: string): { yaml: Record<string, string>; address: Address };
  /** The adapter has no consumer groups (routes from it and the test's reads name none). */
  readonly groupless?: boolean;
  /** A fresh endpoint per role and flow (ZeroMQ), instead of one shared connection. */
  endpoint?(role: Role): Promise<Endpoint>;
}

type Role = 'source' | 'sink';

/** One side of a per-flow endpoint: the bridge's connection and the test's transport. */
interface Endpoint {
  readonly url: string;
  readonly bridgeOptions: Record<string, unknown>;
  readonly testOptions: Record<string, unknown>;
}

const BROKERS: readonly BrokerSpec[] = [
  {
    name: 'amqp',
    url: 'amqp://guest:guest@127.0.0.1:5672',
    port: 5672,
    binding: 'amqp',
    address: (n) => ({ yaml: { address: n }, address: n }),
  },
  {
    name: 'kafka',
    url: 'kafka://127.0.0.1:9092',
    port: 9092,
    binding: 'kafka',
    options: { clientId: 'polybus-ce' },
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'redis',
    url: 'redis://127.0.0.1:6379',
    port: 6379,
    binding: 'headers',
    address: (n) => ({ yaml: { stream: n }, address: { stream: n } }),
  },
  {
    name: 'nats',
    url: 'nats://127.0.0.1:4222',
    port: 4222,
    binding: 'nats',
    options: { createStreams: true },
    address: (n) => ({ yaml: { subject: n }, address: { subject: n } }),
  },
  {
    name: 'amqp1',
    url: 'amqp1://artemis:artemis@127.0.0.1:5673',
    port: 5673,
    binding: 'amqp',
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'rocketmq',
    url: 'rocketmq://127.0.0.1:18081',
    port: 18081,
    binding: 'headers',
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'mqtt',
    url: 'mqtt://127.0.0.1:1883',
    port: 1883,
    binding: 'mqtt',
    // Group sessions of this test need not outlive it by a day.
    options: { sessionExpirySeconds: 300 },
    address: (n) => ({ yaml: { topic: n }, address: { topic: n } }),
  },
  {
    name: 'zeromq',
    url: 'zmq+tcp://127.0.0.1:0',
    binding: 'headers',
    groupless: true,
    address: () => ({ yaml: {}, address: '' }),
    async endpoint(role) {
      return {
        url: `zmq+tcp://127.0.0.1:${await freePort()}`,
        bridgeOptions: { pattern: 'pushpull', bind: role === 'source' ? 'receiver' : 'sender' },
        testOptions: { pattern: 'pushpull', bind: 'none' },
      };
    },
  },
];

/** What the source carries and what the sinks write. */
const FLOWS: ReadonlyArray<{ readonly from: Mode; readonly to: Mode }> = [
  { from: 'binary', to: 'binary' },
  { from: 'structured', to: 'structured' },
  { from: 'binary', to: 'structured' },
  { from: 'structured', to: 'binary' },
];

const reachable = new Map<string, boolean>();
for (const spec of BROKERS)
  reachable.set(
    spec.name,
    spec.port === undefined || (await requireBroker(spec.name, '127.0.0.1', spec.port)),
  );
const present = BROKERS.filter((b) => reachable.get(b.name));

const transports: Transport[] = [];
let bridge: BridgeProcess | undefined;
afterAll(async () => {
  bridge?.kill();
  await Promise.all(transports.map((t) => t.close({ timeoutMs: 2000 }).catch(() => undefined)));
});

const yamlObject = (value: Record<string, unknown>) =>
  `{ ${Object.entries(value)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;
type Flow = (typeof FLOWS)[number];
const flowName = (f: Flow) => `${f.from}-${f.to}`;
/** The bridge connection (and the test transport) of a broker in a role and flow. */
const connectionName = (b: BrokerSpec, role: Role, flow: Flow) =>
  b.endpoint ? `${b.name}-${role}-${flowName(flow)}` : b.name;

describe.skipIf(present.length < 2)('CloudEvents round trip through the bridge (cloudevents SDK)', () => {
  it(`every pair of ${present.map((b) => b.name).join(', ')} in every mode`, {
    timeout: 300_000,
  }, async () => {
    const run = uniqueName('ce').replace(/[^A-Za-z0-9-]/g, '-');
    const source = (b: BrokerSpec, f: Flow) => `${run}-${b.name}-${flowName(f)}-in`;
    const sink = (b: BrokerSpec, f: Flow) => `${run}-to-${b.name}-${flowName(f)}`;
    const rocketmq = present.find((b) => b.name === 'rocketmq');
    if (rocketmq) await createTopics(FLOWS.flatMap((f) => [source(rocketmq, f), sink(rocketmq, f)]));

    // Every connection of the bridge, and the test's side of it: one per shared broker, one per
    // role and flow for ZeroMQ.
    const endpoints = new Map<string, Endpoint>();
    for (const b of present)
      for (const role of ['source', 'sink'] as const)
        for (const flow of FLOWS) {
          const name = connectionName(b, role, flow);
          if (!endpoints.has(name))
            endpoints.set(
              name,
              (await b.endpoint?.(role)) ?? {
                url: b.url,
                bridgeOptions: b.options ?? {},
                testOptions: b.options ?? {},
              },
            );
        }

    const registry = createBridgeRegistry();
    const opened = new Map<string, Transport>();
    const open = async (name: string): Promise<Transport> => {
      const end = endpoints.get(name) as Endpoint;
      const transport = registry.createTransport(end.url, end.testOptions);
      transports.push(transport);
      await transport.connect();
      opened.set(name, transport);
      return transport;
    };
    const transportOf = (b: BrokerSpec, role: Role, flow: Flow) =>
      opened.get(connectionName(b, role, flow)) as Transport;

    const received = new Map<string, Message[]>();
    const read = async (to: BrokerSpec, flow: Flow) => {
      const key = sink(to, flow);
      received.set(key, []);
      await transportOf(to, 'sink', flow).subscribe(
        to.address(key).address,
        async (delivery) => {
          received.get(key)?.push(delivery.message);
          await delivery.ack();
        },
        to.groupless ? {} : { group: `${key}-check` },
      );
    };
    // The test reads every sink address of a broker with its own group before anything is sent.
    // ZeroMQ sinks are read once the bridge has bound them (its PUSH waits for the puller meanwhile).
    const brokered = present.filter((b) => !b.endpoint);
    for (const b of brokered) await open(b.name);
    for (const b of present.filter((p) => p.endpoint))
      for (const flow of FLOWS) await open(connectionName(b, 'source', flow));
    for (const to of brokered) for (const flow of FLOWS) await read(to, flow);

    const routes = present.flatMap((from) =>
      FLOWS.map(
        (flow) => `  - name: ${from.name}-${flowName(flow)}
    from: ${yamlObject({ connection: connectionName(from, 'source', flow), ...from.address(source(from, flow)).yaml, ...(from.groupless ? {} : { group: `${run}-${from.name}-${flowName(flow)}` }), cloudEvents: flow.from })}
    to:
${present.map((to) => `      - ${yamlObject({ connection: connectionName(to, 'sink', flow), ...to.address(sink(to, flow)).yaml, cloudEvents: flow.to })}`).join('\n')}`,
      ),
    );
    const connections = [...endpoints].map(
      ([name, end]) =>
        `  ${name}: ${Object.keys(end.bridgeOptions).length > 0 ? yamlObject({ url: end.url, options: end.bridgeOptions }) : JSON.stringify(end.url)}`,
    );
    bridge = await BridgeProcess.start(
      writeConfig(
        `connections:\n${connections.join('\n')}\nhttp: { port: 0 }\nroutes:\n${routes.join('\n')}\n`,
      ),
      { timeoutMs: 120_000 },
    );
    for (const to of present.filter((p) => p.endpoint))
      for (const flow of FLOWS) {
        await open(connectionName(to, 'sink', flow));
        await read(to, flow);
      }

    // One SDK event per source broker and flow.
    const sent = new Map<string, ReturnType<typeof sdkEvent>>();
    for (const from of present)
      for (const flow of FLOWS) {
        const event = sdkEvent(`${run}-${from.name}-${flowName(flow)}`, `/polybus/${from.name}`);
        sent.set(event.id, event);
        const message = toBrokerMessage(event, from.binding, flow.from);
        await transportOf(from, 'source', flow).publish(from.address(source(from, flow)).address, [
          createMessage({ ...message, id: event.id }),
        ]);
      }

    const expected = present.length * present.length * FLOWS.length;
    const total = () => [...received.values()].reduce((n, list) => n + list.length, 0);
    const missing = () =>
      present.flatMap((to) =>
        FLOWS.flatMap((flow) => {
          const ids = new Set((received.get(sink(to, flow)) ?? []).map((m) => m.id));
          return present
            .filter((from) => !ids.has(`${run}-${from.name}-${flowName(flow)}`))
            .map((from) => `${from.name}->${to.name} ${flowName(flow)}`);
        }),
      );
    const deadline = Date.now() + 180_000;
    while (total() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const problems = bridge.stderr
      .split('\n')
      .filter((line) => /"level":(40|50|60)/.test(line))
      .slice(0, 20);
    expect(missing(), problems.join('\n')).toEqual([]);

    for (const to of present)
      for (const flow of FLOWS) {
        const messages = received.get(sink(to, flow)) ?? [];
        const ids = messages.map((m) => m.id).sort();
        expect(ids, `${to.name} ${flowName(flow)}`).toEqual(
          present.map((from) => `${run}-${from.name}-${flowName(flow)}`).sort(),
        );
        for (const message of messages) {
          const where = `${message.id} -> ${to.name} (${flowName(flow)})`;
          const contentType = message.headers['content-type'] ?? '';
          if (flow.to === 'structured') expect(contentType, where).toMatch(/^application\/cloudevents\+json/);
          else expect(contentType.startsWith('application/cloudevents'), where).toBe(false);
          const event = fromBrokerMessage(message, to.binding);
          const original = sent.get(event.id);
          expect(original, where).toBeDefined();
          expect(event.specversion, where).toBe('1.0');
          expect(event.source, where).toBe(original?.source);
          expect(event.type, where).toBe(original?.type);
          expect(event.subject, where).toBe(original?.subject);
          expect(new Date(event.time ?? '').getTime(), where).toBe(new Date(original?.time ?? '').getTime());
          expect(event.datacontenttype, where).toBe('application/json');
          expect((event as unknown as Record<string, unknown>)[EXTENSION], where).toBe('yes');
          expect(event.data, where).toEqual(original?.data);
          if (flow.to === 'binary')
            expect(Buffer.from(message.body).toString(), where).toBe(JSON.stringify(original?.data));
        }
      }
    expect(await bridge.stop()).toBe(0);
  });
});
