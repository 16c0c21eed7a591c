import { type Address, createMessage, isMessageReader, type Message, silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { loadBridgeRegistry } from '../src/adapter-loader.js';
import { type RunningBridge, startBridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load-config.js';
import { READER_CASES as CASES, type Case } from './reader-cases.js';

const BACKLOG = 300;

function configText(
  c: Case,
  source: Record<string, string>,
  sink: Record<string, string>,
  startFrom?: string,
) {
  const from = {
    connection: 'b',
    group: uniqueName('backlog-group'),
    ...source,
    ...(startFrom ? { startFrom } : {}),
  };
  return JSON.stringify({
    connections: { b: c.connection.startsWith('{') ? JSON.parse(c.connection) : c.connection },
    http: { enabled: false },
    shutdownTimeout: '5s',
    routes: [{ name: 'backlog', from, to: [{ connection: 'b', ...sink }] }],
  });
}

/** Polls the sink with a reader (nothing consumed) until `expected` records are there or the deadline passes. */
async function countWhen(
  bridge: RunningBridge,
  address: Address,
  done: (ids: string[]) => boolean,
  read: (address: Address) => AsyncIterable<{ message: Message }>,
): Promise<string[]> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ids: string[] = [];
    try {
      for await (const record of read(address)) ids.push(record.message.id);
    } catch {
      // the sink address may not exist yet
    }
    if (done(ids) || Date.now() > deadline) return ids;
    expect(bridge.routes()[0]?.state).not.toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function run(c: Case, startFrom?: 'latest'): Promise<{ ids: string[]; marker: string }> {
  const { source, sink } = c.addresses();
  const text = configText(c, source, sink, startFrom);
  const registry = await loadBridgeRegistry([
    c.connection.startsWith('{') ? 'nats' : (c.connection.split(':')[0] as string),
  ]);
  const { config } = parseConfig(text, 'backlog.json', { registry, env: {} });
  const connection = config.connections.b as { url: string; options: Record<string, unknown> };
  const writer = registry.createTransport(connection.url, connection.options);
  await writer.connect();
  const prefix = uniqueName('m');
  const marker = `${prefix}-marker`;
  let bridge: RunningBridge | undefined;
  try {
    if (!isMessageReader(writer)) throw new Error(`${c.name} has no reader`);
    const messages = Array.from({ length: BACKLOG }, (_, i) =>
      createMessage({ id: `${prefix}-${i}`, body: `${i}` }),
    );
    await writer.publish(source, messages);
    bridge = await startBridge({ config, registry, logger: silentLogger });
    // The route is subscribed: a message published now is past any "latest" start point.
    await writer.publish(source, [createMessage({ id: marker, body: 'marker' })]);
    const ids = await countWhen(
      bridge,
      sink,
      (got) => got.includes(marker) && (startFrom === 'latest' || got.length >= BACKLOG + 1),
      (a) => writer.read(a),
    );
    return { ids, marker };
  } finally {
    await bridge?.stop();
    await writer.close({ timeoutMs: 1000 });
    await c.cleanup?.(source, sink);
  }
}

describe('a new group moves the backlog by default', () => {
  for (const c of CASES) {
    describe.runIf(c.up)(c.name, () => {
      it(`moves a pre-filled ${BACKLOG}-message backlog whole`, { timeout: 180_000 }, async () => {
        const { ids, marker } = await run(c);
        expect(ids.length).toBe(BACKLOG + 1);
        expect(new Set(ids).size).toBe(BACKLOG + 1);
        expect(ids).toContain(marker);
      });
      it('skips the backlog with startFrom: latest', { timeout: 180_000 }, async () => {
        const { ids, marker } = await run(c, 'latest');
        expect(ids).toEqual([marker]);
      });
    });
  }
});
