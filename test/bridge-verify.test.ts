import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBridgeRegistry } from '@polybus/bridge';
import { type Address, isMessageReader, type Message, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
// Broker clean-up through the adapters' own test helpers.
import { rawAdmin } from '../packages/adapter-kafka/test/helpers.js';
import { StreamJanitor } from '../packages/adapter-nats/test/nats-test-env.js';
import { BridgeProcess, runCli, writeConfig } from './helpers/bridge-process.js';
import {
  publishPastDuplicateWindow,
  verifySourceMessages,
  withPlantedFaults,
} from './helpers/planted-faults.js';

const kafkaUp = await requireBroker('kafka', '127.0.0.1', 9092);
const redisUp = await requireBroker('redis', '127.0.0.1', 6379);
const natsUp = await requireBroker('nats', '127.0.0.1', 4222);
const amqpUp = await requireBroker('rabbitmq', '127.0.0.1', 5672);

/** `polybus verify` on real brokers: a real bridge moves the messages, then the CLI compares. */
const COUNT = 120;
const KEYS = 4;
const KAFKA = 'kafka: { url: kafka://127.0.0.1:9092, options: { topicPartitions: 3 } }';

let bridges: BridgeProcess[] = [];
const transports: Transport[] = [];
const topics: string[] = [];
const janitor = new StreamJanitor();
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});
afterAll(async () => {
  await Promise.all(transports.map((t) => t.close({ timeoutMs: 500 })));
  await janitor.clean();
  if (topics.length > 0) {
    const admin = rawAdmin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
});

async function open(url: string, options: Record<string, unknown> = {}): Promise<Transport> {
  const t = createBridgeRegistry().createTransport(url, options);
  transports.push(t);
  await t.connect();
  return t;
}

const messages = (prefix: string): Message[] => verifySourceMessages(prefix, COUNT, KEYS);

/** Everything on `address`, in the order a reader gives it (per part). */
async function readAll(t: Transport, address: Address): Promise<Message[]> {
  if (!isMessageReader(t)) throw new Error(`${t.scheme} cannot be read`);
  const out: Message[] = [];
  for await (const record of t.read(address)) out.push(record.message);
  return out;
}

/** Runs the bridge on `config` until route `route` published `count` messages, then stops it (SIGTERM). */
async function moveWithBridge(config: string, route: string, count: number): Promise<void> {
  const bridge = await BridgeProcess.start(config);
  bridges.push(bridge);
  const deadline = Date.now() + 90_000;
  while ((await bridge.metric('polybus_messages_published_total', { route })) < count) {
    if (Date.now() > deadline) throw new Error(`route ${route} did not move ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await bridge.stop('SIGTERM')).toBe(0);
}

/** `polybus verify` on the clean sink exits 0; on the faulty one it exits 1 and names each fault. */
async function expectVerdicts(cleanConfig: string, faultyConfig: string, prefix: string, from: string) {
  const clean = await runCli(['verify', '-c', cleanConfig, '--route', 'move'], { timeoutMs: 90_000 });
  expect(clean.stderr).toBe('');
  expect(clean.stdout).toContain(`(read from ${from})`);
  expect(clean.stdout).toContain(`source ${COUNT} messages, sink ${COUNT} messages`);
  expect(clean.stdout).toMatch(/^OK: /m);
  expect(clean.code).toBe(0);

  const faulty = await runCli(['verify', '-c', faultyConfig, '--route', 'move'], { timeoutMs: 90_000 });
  expect(faulty.stdout).toMatch(new RegExp(`^ {2}missing +1 {2}${prefix}-10 \\(key k2`, 'm'));
  expect(faulty.stdout).toMatch(new RegExp(`^ {2}duplicated +1 {2}${prefix}-20 \\(key k0`, 'm'));
  expect(faulty.stdout).toMatch(new RegExp(`^ {2}reordered +1 {2}${prefix}-30 \\(key k2`, 'm'));
  expect(faulty.stdout).toMatch(new RegExp(`^ {2}altered +1 {2}${prefix}-40 \\(key k0, .*body\\)`, 'm'));
  expect(faulty.stdout).toMatch(/^ {2}extra +0$/m);
  expect(faulty.stdout).toMatch(/^FAILED: 1 missing, 1 altered, 1 duplicated, 1 reordered$/m);
  expect(faulty.code).toBe(1);

  const json = await runCli(['verify', '-c', faultyConfig, '--route', 'move', '--json'], {
    timeoutMs: 90_000,
  });
  expect(JSON.parse(json.stdout)).toMatchObject({
    ok: false,
    counts: { missing: 1, duplicated: 1, reordered: 1, altered: 1, extra: 0 },
  });
}

describe.runIf(kafkaUp)('polybus verify kafka -> kafka (source read from the broker)', () => {
  it('passes what the bridge moved and names each planted fault', { timeout: 240_000 }, async () => {
    const k = await open('kafka://127.0.0.1:9092', { topicPartitions: 3 });
    const [src, dst, bad] = ['vsrc', 'vdst', 'vbad'].map((n) => uniqueName(n)) as [string, string, string];
    topics.push(src, dst, bad);
    const list = messages('kk');
    await k.publish(src, list);
    const route = (to: string) => `connections:
  ${KAFKA}
http: { port: 0 }
routes:
  - name: move
    from: { connection: kafka, topic: ${src}, group: ${uniqueName('g')} }
    to: [{ connection: kafka, topic: ${to} }]
`;
    await moveWithBridge(writeConfig(route(dst)), 'move', COUNT);
    await k.publish(bad, withPlantedFaults(list, KEYS));
    await expectVerdicts(writeConfig(route(dst)), writeConfig(route(bad)), 'kk', 'the broker');
  });
});

describe.runIf(redisUp && natsUp)('polybus verify redis -> jetstream (source read from the broker)', () => {
  it('passes what the bridge moved and names each planted fault', { timeout: 240_000 }, async () => {
    const redis = await open('redis://127.0.0.1:6379');
    // A 100 ms duplicate window, so the planted duplicate gets past JetStream's own dedupe.
    const natsOptions = { createStreams: true, stream: { duplicateWindowMs: 100 } };
    const nats = await open('nats://127.0.0.1:4222', natsOptions);
    const stream = uniqueName('vsrc');
    const name = uniqueName('verify').replaceAll('-', '_');
    const [dst, bad] = [janitor.subject(`${name}.moved`), janitor.subject(`${name}.faulty`)];
    const list = messages('rn');
    await redis.publish({ stream }, list);
    const route = (to: string) => `connections:
  redis: redis://127.0.0.1:6379
  nats: { url: nats://127.0.0.1:4222, options: ${JSON.stringify(natsOptions)} }
http: { port: 0 }
routes:
  - name: move
    from: { connection: redis, stream: ${stream}, group: ${uniqueName('g')} }
    to: [{ connection: nats, subject: ${to} }]
`;
    await moveWithBridge(writeConfig(route(dst)), 'move', COUNT);
    await publishPastDuplicateWindow((m) => nats.publish(bad, m), withPlantedFaults(list, KEYS));
    await expectVerdicts(writeConfig(route(dst)), writeConfig(route(bad)), 'rn', 'the broker');
  });
});

describe.runIf(amqpUp && kafkaUp)('polybus verify rabbitmq -> kafka (source from the route ledger)', () => {
  it('passes what the bridge moved and names each planted fault', { timeout: 240_000 }, async () => {
    const amqp = await open('amqp://guest:guest@127.0.0.1:5672');
    const k = await open('kafka://127.0.0.1:9092', { topicPartitions: 3 });
    const exchange = uniqueName('vsrc');
    const [dst, bad] = [uniqueName('vdst'), uniqueName('vbad')];
    topics.push(dst, bad);
    const ledger = join(mkdtempSync(join(tmpdir(), 'polybus-ledger-')), 'move.ledger');
    const route = (to: string) => `connections:
  rabbit: amqp://guest:guest@127.0.0.1:5672
  ${KAFKA}
http: { port: 0 }
routes:
  - name: move
    from: { connection: rabbit, address: ${exchange}, group: copy }
    to: [{ connection: kafka, topic: ${to} }]
    ledger: { path: ${JSON.stringify(ledger)} }
`;
    const config = writeConfig(route(dst));
    // The bridge declares its queue (<exchange>.copy) when it subscribes: start it, then publish.
    const bridge = await BridgeProcess.start(config);
    bridges.push(bridge);
    await amqp.publish(exchange, messages('ak'));
    const deadline = Date.now() + 90_000;
    while ((await bridge.metric('polybus_messages_published_total', { route: 'move' })) < COUNT) {
      if (Date.now() > deadline) throw new Error('route move did not move every message');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await bridge.stop('SIGTERM')).toBe(0);
    // One line per message moved, after the ledger's first line.
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(COUNT + 1);
    // Without a ledger the route cannot be verified: the queue was drained.
    const noLedger = writeConfig(route(dst).replace(/ {4}ledger:.*\n/, ''));
    const refused = await runCli(['verify', '-c', noLedger, '--route', 'move']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot be read again and the route has no ledger');
    // The faulty sink: what the bridge moved, as Kafka holds it, with the faults planted.
    const moved = await readAll(k, dst);
    const byId = new Map(moved.map((m) => [m.id, m]));
    await k.publish(
      bad,
      withPlantedFaults(
        messages('ak').map((m) => byId.get(m.id) as Message),
        KEYS,
      ),
    );
    await expectVerdicts(config, writeConfig(route(bad)), 'ak', 'its ledger');
  });
});
