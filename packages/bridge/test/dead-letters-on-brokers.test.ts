import { createMessage, silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { loadBridgeRegistry } from '../src/adapter-loader.js';
import { type RunningBridge, startBridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load-config.js';
import type { DeadLetterEntry } from '../src/dead-letters/dead-letter-browser.js';
import { READER_CASES } from './reader-cases.js';

/** Lists the route's dead letters until `done` holds (the dead-letter publish is asynchronous). */
async function listUntil(
  bridge: RunningBridge,
  done: (entries: DeadLetterEntry[]) => boolean,
): Promise<{ entries: DeadLetterEntry[]; handled: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let page: { entries: DeadLetterEntry[]; handled: number } = { entries: [], handled: 0 };
    try {
      page = await bridge.deadLetters.list('dl');
    } catch {
      // the dead-letter address may not exist yet
    }
    if (done(page.entries) || Date.now() > deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('dead-letter browser on brokers that read without consuming', () => {
  for (const c of READER_CASES) {
    it.runIf(c.up)(
      `${c.name}: lists, replays to the source (dead-lettered again, marked as a replay) and discards`,
      {
        timeout: 180_000,
      },
      async () => {
        const { source, sink } = c.addresses();
        const { sink: dlq, source: unused } = c.addresses();
        const registry = await loadBridgeRegistry([
          c.connection.startsWith('{') ? 'nats' : (c.connection.split(':')[0] as string),
        ]);
        const text = JSON.stringify({
          connections: { b: c.connection.startsWith('{') ? JSON.parse(c.connection) : c.connection },
          http: { enabled: false },
          shutdownTimeout: '5s',
          routes: [
            {
              name: 'dl',
              from: { connection: 'b', group: uniqueName('dl-group'), ...source },
              transform: { body: '$exists(body.ok) ? body : $error("not ok")' },
              to: [{ connection: 'b', ...sink }],
              deadLetter: { connection: 'b', ...dlq },
            },
          ],
        });
        const { config } = parseConfig(text, 'dead-letters.json', { registry, env: {} });
        const bridge = await startBridge({ config, registry, logger: silentLogger });
        const prefix = uniqueName('m');
        try {
          const conn = config.connections.b as { url: string; options: Record<string, unknown> };
          const producer = registry.createTransport(conn.url, conn.options);
          await producer.connect();
          try {
            await producer.publish(source, [
              createMessage({ id: `${prefix}-good`, body: '{"ok":1}' }),
              createMessage({ id: `${prefix}-bad1`, body: '{"n":1}' }),
              createMessage({ id: `${prefix}-bad2`, body: '{"n":2}' }),
            ]);
          } finally {
            await producer.close({ timeoutMs: 1000 });
          }
          const first = await listUntil(bridge, (e) => e.length >= 2);
          // Kafka spreads keyless messages over partitions: order is per partition only.
          expect(first.entries.map((e) => e.id).sort()).toEqual([`${prefix}-bad1`, `${prefix}-bad2`]);
          const byId = (id: string) =>
            first.entries.find((e) => e.id === `${prefix}-${id}`) as DeadLetterEntry;
          const [bad1, bad2] = [byId('bad1'), byId('bad2')];
          expect(bad1).toMatchObject({ body: '{"n":1}', bodyEncoding: 'utf8', bodyBytes: 7 });
          expect(bad1.headers['x-polybus-route']).toBe('dl');
          expect(bad1.headers['x-polybus-error']).toContain('expression failed');

          // Replay: back to the source, through the (still strict) route, dead-lettered again as a replay.
          expect(await bridge.deadLetters.replay('dl', bad1)).toBe(true);
          expect(await bridge.deadLetters.replay('dl', bad1)).toBe(false);
          const second = await listUntil(bridge, (e) => e.length >= 2);
          expect(second.handled).toBe(1);
          expect(second.entries.map((e) => e.id)).toContain(`${prefix}-bad2`);
          const again = second.entries.find((e) => e.headers['x-polybus-replay-of'] === `${prefix}-bad1`);
          expect(again?.body).toBe('{"n":1}');
          expect(again?.id).not.toBe(`${prefix}-bad1`);

          // Discard both: the list is empty; the broker still holds all three (nothing was consumed).
          expect(await bridge.deadLetters.discard('dl', bad2)).toBe(true);
          expect(await bridge.deadLetters.discard('dl', again as DeadLetterEntry)).toBe(true);
          expect(await bridge.deadLetters.discard('dl', { part: bad2.part, position: '999999' })).toBe(false);
          const last = await bridge.deadLetters.list('dl');
          expect(last).toEqual({ entries: [], handled: 3 });
          expect(bridge.routes()[0]?.counters).toMatchObject({ deadLettered: 3, published: 1 });
        } finally {
          await bridge.stop();
          await c.cleanup?.(source, sink);
          await c.cleanup?.(unused, dlq);
        }
      },
    );
  }
});
