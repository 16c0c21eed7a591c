import { createMessage } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestTransport, createTopic, rawAdmin } from '../packages/adapter-kafka/test/helpers.js';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import { kafkaToolGroupLag } from './helpers/kafka-group-tool.js';

const up = await requireBroker('kafka', '127.0.0.1', 9092);

let bridges: BridgeProcess[] = [];
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});

interface RouteBody {
  name: string;
  drained?: boolean;
  lag?: { total: number; exact: boolean; groupExists: boolean };
}

describe.runIf(up)('lag per route (real polybus process, Kafka)', () => {
  it('the lag gauge equals the LAG column of Kafka’s ConsumerGroupCommand midway (route paused) and at 0', {
    timeout: 180_000,
  }, async () => {
    const BACKLOG = 1200;
    const PARTITIONS = 3;
    const TOKEN = 'lag-test-admin-token-0123456789';
    const source = uniqueName('lagk-src');
    const sink = uniqueName('lagk-dst');
    const group = uniqueName('lagk-group');
    const admin = rawAdmin();
    await admin.connect();
    const kafka = createTestTransport();
    await kafka.connect();
    try {
      await createTopic(admin, source, PARTITIONS);
      await kafka.publish(
        source,
        Array.from({ length: BACKLOG }, (_, i) =>
          createMessage({ id: `m${i}`, key: `k${i % 7}`, body: `${i}` }),
        ),
      );
      const bridge = await BridgeProcess.start(
        writeConfig(`connections:
  k: kafka://127.0.0.1:9092
http: { port: 0, adminToken: ${TOKEN} }
routes:
  - name: lagging
    from: { connection: k, topic: ${source}, group: ${group} }
    to: [{ connection: k, topic: ${sink} }]
    rateLimit: { messages: 300 }
    lag: { interval: 200ms }
`),
      );
      bridges.push(bridge);
      const gauge = () => bridge.metric('polybus_route_lag_messages', { route: 'lagging' });
      const admin$ = { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } };
      const routeStatus = async () =>
        (JSON.parse((await bridge.get('/routes')).text) as { routes: RouteBody[] }).routes.find(
          (r) => r.name === 'lagging',
        );
      // The gauge is 0 until the first lag query answered: sample from then on.
      for (let i = 0; i < 300 && (await routeStatus())?.lag === undefined; i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const seen: number[] = [];
      let midway: { lag: number; partitions: number } | undefined;
      const deadline = Date.now() + 120_000;
      for (;;) {
        const value = await gauge();
        if (!midway && value > 0 && value < BACKLOG * 0.8) {
          // Paused, the route has left the group with its offsets committed: nothing moves, and the
          // gauge reaches what Kafka's own tool says within a few lag intervals, and stays there.
          const paused = await fetch(`http://127.0.0.1:${bridge.port}/api/routes/lagging/pause`, admin$);
          expect(paused.status).toBe(200);
          const tool = kafkaToolGroupLag(group);
          expect(tool.partitions).toBe(PARTITIONS);
          expect(tool.lag).toBeGreaterThan(0);
          expect(tool.lag).toBeLessThan(BACKLOG);
          let current = -1;
          for (let i = 0; i < 50 && current !== tool.lag; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            current = await gauge();
          }
          expect(current).toBe(tool.lag);
          midway = tool;
          seen.push(current);
          const resumed = await fetch(`http://127.0.0.1:${bridge.port}/api/routes/lagging/resume`, admin$);
          expect(resumed.status).toBe(200);
          continue;
        }
        seen.push(value);
        const route = await routeStatus();
        if (route?.drained) {
          expect(route.lag).toMatchObject({ total: 0, exact: true, groupExists: true });
          break;
        }
        if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(route)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1] as number);
      expect(midway).toBeDefined();
      expect(await gauge()).toBe(0);
      const drained = kafkaToolGroupLag(group);
      expect(drained).toEqual({ lag: 0, partitions: PARTITIONS });
      console.log(
        `kafka lag gauge while draining ${BACKLOG} over ${PARTITIONS} partitions: max ${Math.max(...seen)}, ${seen.length} samples; paused midway: gauge = ConsumerGroupCommand LAG sum = ${midway?.lag}; drained: both 0`,
      );
    } finally {
      await kafka.close({ timeoutMs: 1000 });
      await admin.deleteTopics({ topics: [source, sink] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
