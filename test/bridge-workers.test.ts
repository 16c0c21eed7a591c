import { writeFileSync } from 'node:fs';
import { createMessage, type Delivery, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rawAdmin } from '../packages/adapter-kafka/test/helpers.js';
import { BridgeProcess, runCli, writeConfig } from './helpers/bridge-process.js';
import { recordIds } from './helpers/record-ids.js';
import { TransportPool } from './helpers/transports.js';

/**
 * `polybus run --workers 2` on real brokers: a grouped route is shared by both workers (every id
 * arrives, duplicates only within the in-flight bound), the supervisor's `/metrics` and `/routes`
 * add the workers up, a `kill -9` of one worker is restarted without loss, and SIGTERM drains both
 * and ends every process with 0.
 */
const kafkaUp = await requireBroker('kafka', '127.0.0.1', 9092);
const rabbitUp = await requireBroker('amqp', '127.0.0.1', 5672);
const redisUp = await requireBroker('redis', '127.0.0.1', 6379);

const KAFKA_URL = 'kafka://127.0.0.1:9092';
const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const KAFKA_OPTIONS = {
  clientId: 'polybus-workers-test',
  topicPartitions: 4,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 10000,
};
const MAX_IN_FLIGHT = 64;
const WORKERS = ['--workers', '2'];

const pool = new TransportPool();
const bridges: BridgeProcess[] = [];
const topics: string[] = [];
afterEach(async () => {
  for (const b of bridges.splice(0)) b.kill();
  await pool.closeAll();
});
afterAll(async () => {
  if (topics.length === 0) return;
  const admin = rawAdmin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function poll(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface WorkerPart {
  worker: number;
  pid: number;
  counters: { received: number; published: number; acked: number };
}
interface AggregatedRoute {
  name: string;
  counters: { received: number; published: number; acked: number };
  workers: WorkerPart[];
}
async function routeOf(bridge: BridgeProcess, name: string): Promise<AggregatedRoute | undefined> {
  const body = JSON.parse((await bridge.get('/routes')).text) as { routes: AggregatedRoute[] };
  return body.routes.find((r) => r.name === name);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Ids (`m<i>`) received on `address` through `group`, acked as they come. */
async function collect(transport: Transport, address: string, group: string) {
  const ids: string[] = [];
  const subscription = await transport.subscribe(
    address,
    async (d: Delivery) => {
      ids.push(d.message.id);
      await d.ack();
    },
    { group, maxInFlight: 256 },
  );
  return { ids, distinct: () => new Set(ids).size, close: () => subscription.close({ timeoutMs: 2000 }) };
}

describe.runIf(kafkaUp)('--workers 2: kafka -> kafka, 4 partitions', () => {
  it('both workers share the group: 2,000 ids arrive, metrics and routes add up', {
    timeout: 180_000,
  }, async () => {
    const [src, dst, group] = [uniqueName('wk-src'), uniqueName('wk-dst'), uniqueName('wk-g')];
    topics.push(src, dst);
    const admin = rawAdmin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: src, numPartitions: 4 }], waitForLeaders: true });
    const config = writeConfig(`connections:
  kafka: { url: ${KAFKA_URL}, options: ${JSON.stringify(KAFKA_OPTIONS)} }
http: { port: 0 }
routes:
  - name: k2k
    from: { connection: kafka, topic: ${src}, group: ${group} }
    to: [{ connection: kafka, topic: ${dst} }]
    maxInFlight: ${MAX_IN_FLIGHT}
`);
    const bridge = await BridgeProcess.start(config, { args: WORKERS, timeoutMs: 60_000 });
    bridges.push(bridge);
    expect(bridge.workerPids()).toHaveLength(2);
    // Both workers own partitions before any message is sent, so both get a share.
    await poll('a stable group of 2 members', async () => {
      const { groups } = await admin.describeGroups([group]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
    });
    await admin.disconnect();
    const ready = await bridge.get('/health/ready');
    expect(ready.status).toBe(200);
    const readyBody = JSON.parse(ready.text) as {
      workers: { worker: number; pid: number; ready: boolean }[];
    };
    expect(readyBody.workers.map((w) => [w.worker, w.pid, w.ready])).toEqual([
      [0, bridge.workerPids()[0], true],
      [1, bridge.workerPids()[1], true],
    ]);

    const kafka = await pool.open(KAFKA_URL, KAFKA_OPTIONS);
    const COUNT = 2000;
    for (let i = 0; i < COUNT; i += 250)
      await kafka.publish(
        { topic: src },
        Array.from({ length: 250 }, (_, j) =>
          createMessage({ id: `m${i + j}`, key: `k${(i + j) % 16}`, body: `${i + j}` }),
        ),
      );
    await poll(
      '2,000 distinct ids at the sink',
      async () => (await recordIds(kafka, { topic: dst })).distinct >= COUNT,
    );
    const { records, distinct } = await recordIds(kafka, { topic: dst });
    expect(distinct).toBe(COUNT);
    expect(records - distinct).toBeLessThanOrEqual(MAX_IN_FLIGHT * 2);

    await poll('every message acked', async () => (await routeOf(bridge, 'k2k'))?.counters.acked === records);
    const moved = await bridge.metric('polybus_messages_published_total', { route: 'k2k' });
    expect(moved).toBe(records);
    const route = await routeOf(bridge, 'k2k');
    expect(route?.workers.map((w) => w.worker)).toEqual([0, 1]);
    expect(route?.workers.map((w) => w.pid)).toEqual(bridge.workerPids());
    for (const w of route?.workers ?? []) expect(w.counters.published).toBeGreaterThan(0);
    expect(route?.workers.reduce((n, w) => n + w.counters.published, 0)).toBe(records);
    expect(await bridge.metric('polybus_worker_up')).toBe(2);

    const pids = bridge.workerPids();
    expect(await bridge.stop('SIGTERM', 60_000)).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});

describe.runIf(rabbitUp)('--workers 2: rabbitmq -> rabbitmq with groups', () => {
  const rabbitConfig = (src: string, dst: string, group: string, rate?: number) =>
    writeConfig(`connections:
  rabbit: ${RABBIT_URL}
http: { port: 0 }
routes:
  - name: r2r
    from: { connection: rabbit, address: ${src}, group: ${group} }
    to: [{ connection: rabbit, address: ${dst} }]
    maxInFlight: ${MAX_IN_FLIGHT}
${rate ? `    rateLimit: { messages: ${rate} }\n` : ''}`);

  async function produce(rabbit: Transport, src: string, count: number): Promise<void> {
    for (let i = 0; i < count; i += 250)
      await rabbit.publish(
        src,
        Array.from({ length: Math.min(250, count - i) }, (_, j) =>
          createMessage({ id: `m${i + j}`, body: `${i + j}` }),
        ),
      );
  }

  it('both workers share the group queue: 2,000 ids arrive once each', { timeout: 120_000 }, async () => {
    const [src, dst, group] = [uniqueName('wr-src'), uniqueName('wr-dst'), uniqueName('wr-g')];
    const rabbit = await pool.open(RABBIT_URL);
    const sink = await collect(rabbit, dst, 'reader');
    const bridge = await BridgeProcess.start(rabbitConfig(src, dst, group), { args: WORKERS });
    bridges.push(bridge);
    await produce(rabbit, src, 2000);
    await poll('2,000 distinct ids at the sink', () => sink.distinct() >= 2000);
    await poll('every message acked', async () => (await routeOf(bridge, 'r2r'))?.counters.acked === 2000);
    expect(sink.ids).toHaveLength(2000);
    expect(await bridge.metric('polybus_messages_published_total', { route: 'r2r' })).toBe(2000);
    const route = await routeOf(bridge, 'r2r');
    expect(route?.workers).toHaveLength(2);
    for (const w of route?.workers ?? []) expect(w.counters.published).toBeGreaterThan(0);
    await sink.close();
    expect(await bridge.stop('SIGTERM')).toBe(0);
  });

  it('kill -9 of a worker mid-stream: restarted, nothing lost, duplicates within its maxInFlight; SIGTERM ends all with 0', {
    timeout: 180_000,
  }, async () => {
    const [src, dst, group] = [uniqueName('wc-src'), uniqueName('wc-dst'), uniqueName('wc-g')];
    const rabbit = await pool.open(RABBIT_URL);
    const sink = await collect(rabbit, dst, 'reader');
    const COUNT = 6000;
    // 2,000 msg/s over both workers: the kill lands mid-stream.
    const bridge = await BridgeProcess.start(rabbitConfig(src, dst, group, 2000), { args: WORKERS });
    bridges.push(bridge);
    const [, victim] = bridge.workerPids() as [number, number];
    await produce(rabbit, src, COUNT);
    await poll('a quarter moved', () => sink.distinct() >= COUNT / 4);
    process.kill(victim, 'SIGKILL');
    await bridge.until(() => bridge.stderr.includes('worker ended unexpectedly'), 30_000, 'the crash logged');
    await bridge.until(() => bridge.workerPids()[1] !== victim, 30_000, 'worker 1 restarted');
    expect(alive(victim)).toBe(false);
    await poll('every id at the sink', () => sink.distinct() >= COUNT, 120_000);
    expect(sink.distinct()).toBe(COUNT);
    expect(sink.ids.length - COUNT).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(await bridge.metric('polybus_worker_restarts_total', { worker: '1' })).toBe(1);
    expect(await bridge.metric('polybus_worker_restarts_total', { worker: '0' })).toBe(0);
    await poll(
      'both workers ready again',
      async () => (await bridge.get('/health/ready')).status === 200,
      60_000,
    );

    const pids = bridge.workerPids();
    expect(pids).toHaveLength(2);
    expect(await bridge.stop('SIGTERM', 60_000)).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    await sink.close();
  });
});

describe.runIf(rabbitUp && redisUp)('--workers 2: a reload', () => {
  it("logs the new config's warnings in the supervisor, as a single bridge does", {
    timeout: 120_000,
  }, async () => {
    const [src, group] = [uniqueName('wh-src'), uniqueName('wh-g')];
    const head = `connections:
  rabbit: ${RABBIT_URL}
  redis: redis://127.0.0.1:6379
http: { port: 0 }
routes:
  - name: r2r
    from: { connection: rabbit, address: ${src}, group: ${group} }
    to: [{ connection: rabbit, address: ${uniqueName('wh-dst')} }]
`;
    const file = writeConfig(head);
    const bridge = await BridgeProcess.start(file, { args: WORKERS });
    bridges.push(bridge);
    expect(bridge.stderr).not.toContain('AT_MOST_ONCE_SINK');
    // A second route, to a Redis channel: an at-most-once sink, which `polybus validate` warns about.
    writeFileSync(
      file,
      `${head}  - name: r2ch
    from: { connection: rabbit, address: ${uniqueName('wh-src2')}, group: ${group} }
    to: [{ connection: redis, channel: ${uniqueName('wh-ch')} }]
`,
    );
    bridge.child.kill('SIGHUP');
    await bridge.until(
      () => bridge.stderr.includes('config applied in every worker'),
      60_000,
      'the reload applied in both workers',
    );
    const warning = bridge.stderr.split('\n').find((line) => line.includes('"code":"AT_MOST_ONCE_SINK"'));
    expect(warning).toContain('"path":"routes[1].to[0]"');
    expect(await bridge.stop('SIGTERM', 60_000)).toBe(0);
  });
});

describe('--workers without brokers', () => {
  it('validate says where each route runs; a bad count is a usage error', { timeout: 60_000 }, async () => {
    const file = writeConfig(`connections:
  kafka: kafka://127.0.0.1:9092
  out: stdio://
routes:
  - name: shared
    from: { connection: kafka, topic: a, group: g }
    to: [{ connection: kafka, topic: b }]
  - name: printed
    from: { connection: kafka, topic: a, group: g2 }
    to: [{ connection: out }]
`);
    const ok = await runCli(['validate', '-c', file, '--workers', '2']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('workers: route "shared": shared by all 2 workers through its source group');
    expect(ok.stderr).toContain(
      'workers: route "printed": runs in worker 0 only: connection "out" (stdio://)',
    );
    const bad = await runCli(['validate', '-c', file, '--workers', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workers must be auto or a whole number');
  });

  it('a config no route of which can be shared runs as one process (quickstart, stdin to stdout)', {
    timeout: 60_000,
  }, async () => {
    const result = await runCli(
      ['run', '-c', 'examples/quickstart.yaml', '--workers', '2', '--log-level', 'warn'],
      {
        input: '{"id":1,"total":250}\n',
        env: { POLYBUS_HTTP_PORT: '0' },
      },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no route can be shared across workers: running as one process');
    expect(result.stdout).toContain('"orderId":1');
  });
});
