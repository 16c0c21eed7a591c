import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';

/**
 * One bridge process, no external broker: stdin (stdio://, JSON envelopes) feeds a memory:// topic;
 * the route under test filters, transforms, fans out with `when` and dead-letters; printer routes
 * copy each memory topic to stdout, tagged with the topic they came from.
 */
const CONFIG = `connections:
  in: { url: stdio://, options: { format: json } }
  out: { url: stdio://, options: { format: json } }
  bus: memory://routing
  tiny: { url: memory://routing, options: { maxMessageBytes: 64 } }
http: { port: 0 }
shutdownTimeout: 10s
routes:
  - name: feed
    from: { connection: in }
    to:
      - { connection: bus, topic: orders, when: 'headers.kind = "order"' }
      - { connection: bus, topic: blobs, when: 'headers.kind = "blob"' }
  - name: orders
    from: { connection: bus, topic: orders, group: engine }
    filter: body.total > 100
    transform:
      body: '{ "orderId": body.id, "total": body.total }'
      headers: { x-origin: '"e2e"' }
      key: body.customer
    to:
      - { connection: bus, topic: all }
      - { connection: bus, topic: big, when: body.total > 1000 }
    deadLetter: { connection: bus, topic: dlq }
  - name: blobs
    from: { connection: bus, topic: blobs, group: engine }
    to:
      - { connection: tiny, topic: small-only }
    deadLetter: { connection: bus, topic: dlq }
  - name: print-all
    from: { connection: bus, topic: all, group: printer }
    transform: { headers: { x-via: '"all"' } }
    to: [{ connection: out }]
  - name: print-big
    from: { connection: bus, topic: big, group: printer }
    transform: { headers: { x-via: '"big"' } }
    to: [{ connection: out }]
  - name: print-dlq
    from: { connection: bus, topic: dlq, group: printer }
    transform: { headers: { x-via: '"dlq"' } }
    to: [{ connection: out }]
`;

interface Line {
  id: string;
  key?: string;
  headers: Record<string, string>;
  body: string;
}

let bridge: BridgeProcess | undefined;
afterEach(() => bridge?.kill());

describe('bridge routing (real polybus process, memory:// and stdio://)', () => {
  it('filters, transforms, routes by `when`, dead-letters data errors at once, and counts exactly that in /metrics', async () => {
    bridge = await BridgeProcess.start(writeConfig(CONFIG));
    const orders = Array.from({ length: 20 }, (_, i) => ({
      id: `o-${i}`,
      headers: { kind: 'order', 'x-user': `u${i}` },
      body: JSON.stringify({ id: i, total: i * 100, customer: `c${i % 3}` }),
    }));
    const bad = [
      {
        id: 'bad-json',
        headers: { kind: 'order', 'content-type': 'application/json' },
        body: '{"id": 1, "total": ',
      },
      { id: 'bad-type', headers: { kind: 'order' }, body: '{"id": 2, "total": "lots"}' },
    ];
    const blob = { id: 'too-big', headers: { kind: 'blob' }, body: 'x'.repeat(100) };
    bridge.send([...orders, ...bad, blob].map((m) => JSON.stringify(m)));

    // 18 orders above 100 go to `all`, 9 above 1000 also to `big`, 3 messages to the dead-letter.
    await bridge.waitForLines(18 + 9 + 3);
    const lines = bridge.json<Line>();
    const via = (topic: string) => lines.filter((l) => l.headers['x-via'] === topic);

    const all = via('all');
    expect(all.map((l) => l.id).sort()).toEqual(
      orders
        .slice(2)
        .map((o) => o.id)
        .sort(),
    );
    for (const line of all) {
      const i = Number(line.id.slice(2));
      expect(JSON.parse(line.body)).toEqual({ orderId: i, total: i * 100 });
      expect(line.key).toBe(`c${i % 3}`);
      expect(line.headers).toMatchObject({
        'x-origin': 'e2e',
        'x-user': `u${i}`,
        'content-type': 'application/json',
      });
    }
    expect(
      via('big')
        .map((l) => l.id)
        .sort(),
    ).toEqual(
      orders
        .slice(11)
        .map((o) => o.id)
        .sort(),
    );

    const dlq = via('dlq');
    expect(dlq.map((l) => l.id).sort()).toEqual(['bad-json', 'bad-type', 'too-big']);
    for (const line of dlq) {
      const original = [...bad, blob].find((m) => m.id === line.id);
      expect(line.body).toBe(original?.body); // original bytes, untouched
      expect(line.headers['x-polybus-attempts']).toBe('1');
      expect(line.headers['x-polybus-route']).toBe(line.id === 'too-big' ? 'blobs' : 'orders');
      expect(line.headers['x-polybus-source']).toBe(
        line.id === 'too-big' ? 'bus/topic=blobs' : 'bus/topic=orders',
      );
      expect(line.headers['x-polybus-error']).toBeTruthy();
    }
    expect(dlq.find((l) => l.id === 'too-big')?.headers['x-polybus-error']).toMatch(/accepts at most 64/);

    // Nothing else arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(bridge.lines).toHaveLength(30);

    const m = (name: string, labels: Record<string, string>) =>
      bridge?.metric(name, labels) ?? Promise.resolve(-1);
    expect(await m('polybus_messages_received_total', { route: 'feed' })).toBe(23);
    expect(await m('polybus_messages_received_total', { route: 'orders' })).toBe(22);
    expect(await m('polybus_messages_filtered_total', { route: 'orders' })).toBe(2);
    expect(await m('polybus_messages_published_total', { route: 'orders', sink: 'bus/topic=all' })).toBe(18);
    expect(await m('polybus_messages_published_total', { route: 'orders', sink: 'bus/topic=big' })).toBe(9);
    expect(await m('polybus_messages_dead_lettered_total', { route: 'orders' })).toBe(2);
    expect(await m('polybus_messages_dead_lettered_total', { route: 'blobs' })).toBe(1);
    expect(await m('polybus_messages_published_total', { route: 'print-all' })).toBe(18);
    expect(await m('polybus_route_errors_total', { route: 'orders' })).toBe(2);
    expect(await m('polybus_delivery_duration_seconds_count', { route: 'orders' })).toBe(22);
    expect(await m('polybus_inflight_messages', { route: 'orders' })).toBe(0);
    expect(await m('polybus_connection_up', { connection: 'bus' })).toBe(1);
    const text = (await bridge.get('/metrics')).text;
    expect(text).toContain('process_cpu_user_seconds_total');

    const ready = await bridge.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).routes.orders).toEqual({ state: 'running' });
    expect((await bridge.get('/health/live')).status).toBe(200);
    const routes = JSON.parse((await bridge.get('/routes')).text) as {
      routes: Array<{ name: string; counters: Record<string, number> }>;
    };
    expect(routes.routes.find((r) => r.name === 'orders')?.counters).toMatchObject({
      received: 22,
      filtered: 2,
      deadLettered: 2,
      published: 27,
      acked: 22,
    });

    expect(await bridge.stop('SIGTERM')).toBe(0);
  });

  it('passes body bytes, headers, key and id through unchanged without a transform', async () => {
    bridge = await BridgeProcess.start(
      writeConfig(`connections:
  in: { url: stdio://, options: { format: json } }
  out: { url: stdio://, options: { format: json } }
  bus: memory://passthrough
http: { port: 0 }
routes:
  - { name: feed, from: { connection: in }, to: [{ connection: bus, topic: t }] }
  - { name: print, from: { connection: bus, topic: t, group: p }, to: [{ connection: out }] }
`),
    );
    const sent = Array.from({ length: 200 }, (_, i) => ({
      id: `m-${i}`,
      key: `k-${i % 7}`,
      headers: { 'content-type': 'application/octet-stream', 'x-seq': String(i), 'correlation-id': `c-${i}` },
      bodyBase64: Buffer.from([i, 255 - i, 0, 10, 13]).toString('base64'),
      timestamp: 1_700_000_000_000 + i,
    }));
    bridge.send(sent.map((m) => JSON.stringify(m)));
    await bridge.waitForLines(200);
    const got = bridge.json<(typeof sent)[number]>();
    expect(got.map((g) => g.id).sort()).toEqual(sent.map((s) => s.id).sort());
    for (const g of got) expect(g).toEqual(sent.find((s) => s.id === g.id));
    expect(await bridge.stop('SIGINT')).toBe(0);
  });
});
