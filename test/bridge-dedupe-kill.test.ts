import { createBridgeRegistry } from '@polybus/bridge';
import { createMessage, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rawAdmin } from '../packages/adapter-kafka/test/helpers.js';
import { BridgeProcess, runCli, writeConfig } from './helpers/bridge-process.js';
import { recordIds } from './helpers/record-ids.js';

const up = await requireBroker('kafka', '127.0.0.1', 9092);

/** Messages moved per route (`POLYBUS_DEDUPE_TEST_MESSAGES` for more). */
const COUNT = Number(process.env.POLYBUS_DEDUPE_TEST_MESSAGES ?? '4000');
/** Each route takes at most this many per second, so every kill lands mid-flow on a loaded machine too. */
const RATE = Math.max(200, Math.round(COUNT / 4));
/** Messages a bridge moves (per route) before it is killed. */
const STEP = Math.round(COUNT / 10);
/** Kills at most (each one re-sends whatever was published but not yet committed at the source). */
const MAX_KILLS = 6;
/** Short session and rebalance timeouts: the restarted bridge takes over the dead member's partitions quickly. */
const KAFKA_OPTIONS = {
  topicPartitions: 3,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 10000,
};

let bridges: BridgeProcess[] = [];
const transports: Transport[] = [];
const topics: string[] = [];
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});
afterAll(async () => {
  await Promise.all(transports.map((t) => t.close({ timeoutMs: 500 })));
  const admin = rawAdmin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

interface RouteBody {
  name: string;
  drained?: boolean;
}

async function routesDrained(bridge: BridgeProcess, names: readonly string[]): Promise<boolean> {
  const body = JSON.parse((await bridge.get('/routes')).text) as { routes: RouteBody[] };
  return names.every((n) => body.routes.find((r) => r.name === n)?.drained === true);
}

async function poll(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.runIf(up)('dedupe survives a bridge kill -9 (kafka -> kafka, same run with and without)', () => {
  it('the deduped sink holds every id once; the plain sink got re-sent copies', {
    timeout: 300_000,
  }, async () => {
    const kafka = createBridgeRegistry().createTransport('kafka://127.0.0.1:9092', KAFKA_OPTIONS);
    transports.push(kafka);
    await kafka.connect();
    const [source, plain, deduped] = ['dd-src', 'dd-plain', 'dd-dedup'].map((n) => uniqueName(n)) as [
      string,
      string,
      string,
    ];
    topics.push(source, plain, deduped);
    await kafka.publish(
      source,
      Array.from({ length: COUNT }, (_, i) => createMessage({ id: `m${i}`, key: `k${i % 7}`, body: `${i}` })),
    );
    // Two routes read the same source with their own groups: one without dedupe, one with.
    const route = (name: string, to: string, extra: string) => `  - name: ${name}
    from: { connection: kafka, topic: ${source}, group: ${uniqueName(name)} }
    to: [{ connection: kafka, topic: ${to} }]
    rateLimit: { messages: ${RATE} }
    lag: { interval: 300ms }
${extra}`;
    const config = writeConfig(`connections:
  kafka: { url: kafka://127.0.0.1:9092, options: ${JSON.stringify(KAFKA_OPTIONS)} }
http: { port: 0 }
routes:
${route('plain', plain, '')}${route('deduped', deduped, '    dedupe: { window: 10m, count: 100000 }\n')}`);

    const published = async (b: BridgeProcess, r: string) =>
      b.metric('polybus_messages_published_total', { route: r });
    /** Sink records minus distinct ids (read without consuming). */
    const duplicatesAt = async (topic: string): Promise<number> => {
      const { records, distinct } = await recordIds(kafka, topic);
      return records - distinct;
    };
    // kill -9 mid-flow until the plain route has re-sent copies at its sink (each kill re-sends
    // what was published but not yet committed at the source: a few messages, sometimes none).
    let kills = 0;
    let plainDuplicates = 0;
    while (kills < MAX_KILLS && plainDuplicates === 0) {
      const bridge = await BridgeProcess.start(config);
      bridges.push(bridge);
      if (kills > 0) expect(bridge.stderr).toContain('dedupe window seeded from the sink');
      await poll('both routes moving', async () => {
        const [p, d] = [await published(bridge, 'plain'), await published(bridge, 'deduped')];
        return p >= STEP && d >= STEP;
      });
      bridge.kill();
      await bridge.exited;
      kills++;
      plainDuplicates = await duplicatesAt(plain);
    }
    expect(plainDuplicates).toBeGreaterThan(0);

    const second = await BridgeProcess.start(config);
    bridges.push(second);
    expect(second.stderr).toContain('dedupe window seeded from the sink');
    await poll('both routes drained', () => routesDrained(second, ['plain', 'deduped']), 180_000);
    // Informational: copies the last process dropped (earlier processes dropped theirs too).
    const dropped = await second.metric('polybus_route_duplicates_dropped_total', { route: 'deduped' });
    expect(await second.stop('SIGTERM')).toBe(0);

    // Duplicates counted at the sinks by polybus verify (source and sinks read without consuming).
    const verify = async (r: string) => {
      const result = await runCli(['verify', '-c', config, '--route', r, '--json'], { timeoutMs: 120_000 });
      return JSON.parse(result.stdout) as {
        ok: boolean;
        sink: { messages: number };
        counts: { missing: number; duplicated: number; altered: number };
      };
    };
    const plainReport = await verify('plain');
    const dedupedReport = await verify('deduped');
    console.log(
      `dedupe kill -9: ${COUNT} messages, ${kills} kill(s); plain sink ${plainReport.sink.messages} (${plainReport.counts.duplicated} duplicates), deduped sink ${dedupedReport.sink.messages} (${dedupedReport.counts.duplicated} duplicates, ${dropped} dropped by the last process)`,
    );
    expect(plainReport).toMatchObject({ ok: true, counts: { missing: 0, altered: 0 } });
    expect(dedupedReport).toMatchObject({ ok: true, counts: { missing: 0, altered: 0, duplicated: 0 } });
    expect(dedupedReport.sink.messages).toBe(COUNT);
    expect(plainReport.counts.duplicated).toBeGreaterThan(0);
  });
});
