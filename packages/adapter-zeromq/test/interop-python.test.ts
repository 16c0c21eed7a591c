import { createMessage, type Message } from '@polybus/core';
import { deferred } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ZmqSubscriptionStats, zmqSubscriptionStats } from '../src/index.js';
import { PythonPeer, requirePythonZmq } from './python-peer.js';
import { collect, OpenTransports, text } from './zmq-test-env.js';

const transports = new OpenTransports();
const peers: PythonPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await transports.closeAll();
});
const peer = (args: string[]): PythonPeer => {
  const p = new PythonPeer(args);
  peers.push(p);
  return p;
};
const statsOf = (s: unknown): ZmqSubscriptionStats => zmqSubscriptionStats(s)!;

describe.runIf(requirePythonZmq())('interop with python3-zmq (Debian)', () => {
  it('python PUSH -> adapter PULL: raw frames arrive as bodies, a hand-written envelope keeps its metadata', async () => {
    const sink = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull', bind: 'receiver' });
    const { collector } = await collect(sink, '');
    const n = 500;
    const py = peer(['push-raw', sink.boundEndpoint!, String(n)]);
    await collector.waitFor(n + 1, 30_000);
    expect(await py.exited).toBe(0);
    const bodies = collector.deliveries.map(text);
    expect(bodies.slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => `raw-${i}`));
    const rawIds = new Set(collector.deliveries.slice(0, n).map((d) => d.message.id));
    expect(rawIds.size).toBe(n);
    const last = collector.deliveries[n]!.message;
    expect(text(collector.deliveries[n]!)).toBe('from python ✓');
    expect([last.id, last.key, last.timestamp]).toEqual(['py-1', 'py-key', 1_700_000_000_000]);
    expect({ ...last.headers }).toEqual({ 'x-from': 'python', 'content-type': 'text/plain' });
  });

  it('adapter PUB -> python SUB: python reads topic, id, key, headers, timestamp and body bytes', async () => {
    const pub = await transports.open('zmq+tcp://127.0.0.1:0');
    const n = 50;
    const py = peer(['sub-envelope', pub.boundEndpoint!, 'orders', String(n)]);
    // A remote subscriber's filter arrives when it arrives: probe until python saw one.
    const seen = py.line((l) => l === 'probe-seen');
    let probing = true;
    void seen.finally(() => {
      probing = false;
    });
    while (probing) {
      await pub.publish('orders.probe', [createMessage({ body: 'probe' })]);
      await Promise.race([seen, new Promise((r) => setTimeout(r, 20))]);
    }
    await seen;
    const sent: Message[] = Array.from({ length: n }, (_, i) =>
      createMessage({
        body: new Uint8Array([i, 0, 255, 10]),
        key: `k-${i % 3}`,
        headers: { 'x-i': String(i), 'content-type': 'application/octet-stream', 'x-ü': '✓' },
        timestamp: 1_700_000_000_000 + i,
      }),
    );
    await pub.publish('orders.eu', sent);
    expect(await py.exited).toBe(0);
    const got = py.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(got).toHaveLength(n);
    got.forEach((g, i) => {
      const m = sent[i]!;
      expect(g.topic).toBe('orders.eu');
      expect(g.meta).toEqual({
        id: m.id,
        ts: m.timestamp,
        key: m.key,
        h: { ...m.headers },
        src: expect.any(String),
        seq: i + 1,
      });
      expect(g.body).toBe(Buffer.from(m.body).toString('hex'));
    });
  });

  it('python PUB drops at its high-water mark while the adapter is stalled; the adapter counts exactly what it lost', async () => {
    const port = 25_500 + (process.pid % 400);
    const burst = peer(['pub-burst', `tcp://127.0.0.1:${port}`, 'burst', '20000', '10000']);
    const t = await transports.open(`zmq+tcp://127.0.0.1:${port}`, {
      bind: 'none',
      receiveHighWaterMark: 100,
    });
    const end = deferred();
    const { collector, subscription } = await collect(t, 'burst', { maxInFlight: 64 }, async (d) => {
      if (text(d) === 'end') end.resolve();
      await d.ack();
    });
    await burst.line((l) => l === 'joined');
    burst.send('go');
    // Stall this process while python sends 20000 x 10 KB: its PUB and our SUB queue fill, the rest is dropped.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
    await burst.line((l) => l === 'sent');
    // The end marker is dropped too while our queue is still full: repeat it until one arrives.
    let ended = false;
    void end.promise.then(() => {
      ended = true;
    });
    while (!ended) {
      burst.send('end');
      await Promise.race([end.promise, new Promise((r) => setTimeout(r, 100))]);
    }
    const stats = statsOf(subscription);
    const data = collector.deliveries.filter((d) => text(d) !== 'end');
    console.info(`burst: ${data.length} delivered, ${stats.missed} missed, ${stats.overflowed} overflowed`);
    const seqs = data.map((d) => Number(d.message.id.slice('burst-'.length)));
    expect(new Set(seqs).size, 'no duplicates').toBe(seqs.length);
    expect(
      [...seqs].sort((a, b) => a - b),
      'in order',
    ).toEqual(seqs);
    expect(stats.missed, 'something was dropped').toBeGreaterThan(0);
    expect(data.length, 'something arrived').toBeGreaterThan(0);
    // Every message python numbered is either delivered or counted as missed (the subscriber joined before seq 1).
    expect(data.length + stats.missed + stats.overflowed).toBe(20_000);
  });
});
