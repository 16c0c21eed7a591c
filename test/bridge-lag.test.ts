import { spawnSync } from 'node:child_process';
import { RedisTransport, redisOptionsSchema } from '@polybus/adapter-redis';
import { createMessage, silentLogger } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, runCli, writeConfig } from './helpers/bridge-process.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

let bridges: BridgeProcess[] = [];
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});

/**
 * `lag` + `pending` of `group` as Redis's own tool reports them (`redis-cli XINFO GROUPS`): entries not
 * yet delivered to the group plus entries delivered and not acknowledged.
 */
function redisCliGroupLag(stream: string, group: string): number {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'XINFO', 'GROUPS', stream], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`redis-cli failed: ${result.stderr}`);
  const lines = result.stdout.split('\n');
  const start = lines.findIndex((line, i) => line === 'name' && lines[i + 1] === group);
  if (start < 0) throw new Error(`no group ${group} in XINFO GROUPS ${stream}: ${result.stdout}`);
  const fields = new Map<string, string>();
  for (let i = start + 2; i + 1 < lines.length && lines[i] !== 'name'; i += 2)
    fields.set(lines[i] as string, lines[i + 1] as string);
  const lag = Number(fields.get('lag'));
  const pending = Number(fields.get('pending'));
  if (!Number.isInteger(lag) || !Number.isInteger(pending))
    throw new Error(`XINFO GROUPS gave no lag/pending: ${result.stdout}`);
  return lag + pending;
}

interface RouteBody {
  name: string;
  inFlight: number;
  drained?: boolean;
  lag?: { total: number; exact: boolean; groupExists: boolean; updatedAt: string; stale: boolean };
  lastMoved?: { id: string; position?: string };
}

describe.runIf(up)('lag per route (real polybus process, Redis Streams)', () => {
  it('the lag gauge follows the broker while a backlog drains and reaches 0; /routes says drained', {
    timeout: 180_000,
  }, async () => {
    const BACKLOG = 1500;
    const TOKEN = 'lag-test-admin-token-0123456789';
    const source = uniqueName('lag-src');
    const sink = uniqueName('lag-dst');
    const group = uniqueName('lag-group');
    const redis = new RedisTransport('redis://127.0.0.1:6379', redisOptionsSchema.parse({}), silentLogger);
    await redis.connect();
    try {
      const ids = Array.from({ length: BACKLOG }, (_, i) => `m${i}`);
      await redis.publish(
        { stream: source },
        ids.map((id, i) => createMessage({ id, body: `${i}` })),
      );
      const bridge = await BridgeProcess.start(
        writeConfig(`connections:
  r: redis://127.0.0.1:6379
http: { port: 0, adminToken: ${TOKEN} }
routes:
  - name: lagging
    from: { connection: r, stream: ${source}, group: ${group} }
    to: [{ connection: r, stream: ${sink} }]
    rateLimit: { messages: 300 }
    lag: { interval: 200ms }
`),
      );
      bridges.push(bridge);
      const seen: number[] = [];
      const deadline = Date.now() + 120_000;
      let route: RouteBody | undefined;
      let comparedWithRedisCli = false;
      let redisCliValue = -1;
      for (;;) {
        const gauge = await bridge.metric('polybus_route_lag_messages', { route: 'lagging' });
        if (!comparedWithRedisCli && gauge > 0 && gauge < BACKLOG * 0.8) {
          // Midway, with the route paused (nothing moves): the gauge reaches exactly what
          // redis-cli XINFO GROUPS says within a few lag intervals, and stays there.
          comparedWithRedisCli = true;
          const admin = { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } };
          const paused = await fetch(`http://127.0.0.1:${bridge.port}/api/routes/lagging/pause`, admin);
          expect(paused.status).toBe(200);
          const tool = redisCliGroupLag(source, group);
          expect(tool).toBeGreaterThan(0);
          expect(tool).toBeLessThan(BACKLOG);
          let current = -1;
          for (let i = 0; i < 50 && current !== tool; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            current = await bridge.metric('polybus_route_lag_messages', { route: 'lagging' });
          }
          expect(current).toBe(tool);
          expect(redisCliGroupLag(source, group)).toBe(tool);
          redisCliValue = tool;
          seen.push(current);
          const resumed = await fetch(`http://127.0.0.1:${bridge.port}/api/routes/lagging/resume`, admin);
          expect(resumed.status).toBe(200);
          continue;
        }
        const broker = (await redis.lag({ stream: source }, group)).total;
        // The gauge is the broker's answer of at most one interval ago: never below what the broker says now.
        expect(gauge).toBeGreaterThanOrEqual(broker);
        expect(gauge).toBeLessThanOrEqual(BACKLOG);
        seen.push(gauge);
        const body = JSON.parse((await bridge.get('/routes')).text) as { routes: RouteBody[] } | RouteBody[];
        route = (Array.isArray(body) ? body : body.routes).find((r) => r.name === 'lagging');
        if (route?.drained) break;
        if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(route)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // It was seen behind, then coming down, then at 0 (matching the broker's own count).
      expect(Math.max(...seen)).toBeGreaterThan(0);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeLessThanOrEqual(seen[i - 1] as number);
      expect(await bridge.metric('polybus_route_lag_messages', { route: 'lagging' })).toBe(0);
      expect((await redis.lag({ stream: source }, group)).total).toBe(0);
      expect(comparedWithRedisCli).toBe(true);
      expect(redisCliGroupLag(source, group)).toBe(0);
      expect(route).toMatchObject({
        drained: true,
        inFlight: 0,
        lag: { total: 0, exact: true, groupExists: true, stale: false },
        // The last acked: m1499, or an entry the paused consumer held, reclaimed after the resume.
        lastMoved: { id: expect.stringMatching(/^m\d+$/) },
      });
      expect(route?.lastMoved?.position).toMatch(/^\d+-\d+$/);
      // polybus status: from the running bridge's /routes (same config, the port it bound) ...
      const statusConfig = writeConfig(
        `connections:
  r: redis://127.0.0.1:6379
http: { port: ${bridge.port} }
routes:
  - name: lagging
    from: { connection: r, stream: ${source}, group: ${group} }
    to: [{ connection: r, stream: ${sink} }]
`,
        'status.yaml',
      );
      const live = await runCli(['status', '-c', statusConfig]);
      expect(live.stdout).toMatch(/^lagging {2}drained {2}lag=0 {2}inFlight=0 {2}last=m\d+@\d+-\d+ at /);
      expect(live.stdout).toContain('(from bridge)');
      expect(live.code).toBe(0);
      // ... and from the broker once the bridge is gone.
      await bridge.stop();
      const offline = await runCli(['status', '-c', statusConfig]);
      expect(offline.stdout).toBe('lagging  drained  lag=0  (from broker)\n');
      expect(offline.code).toBe(0);
      console.log(
        `lag gauge samples while draining ${BACKLOG}: max ${Math.max(...seen)}, ${seen.length} samples; paused midway: gauge = redis-cli XINFO GROUPS lag+pending = ${redisCliValue}`,
      );
    } finally {
      await redis.close({ timeoutMs: 1000 });
    }
  });
});
