import { describe, expect, it } from 'vitest';
import { createBridgeRegistry } from '../adapters.js';
import { parseConfig } from '../config/load-config.js';
import { configForWorker, routeSharing, sharingLines } from './route-assignment.js';

const registry = createBridgeRegistry();
const config = parseConfig(
  `connections:
  kafka: kafka://127.0.0.1:9092
  rabbit: amqp://guest:guest@127.0.0.1:5672
  mem: memory://
  out: stdio://
  zmq: zmq+tcp://127.0.0.1:5999
workers: 2
routes:
  - name: grouped
    from: { connection: kafka, topic: a, group: g }
    to: [{ connection: rabbit, exchange: x }]
    rateLimit: { messages: 101, bytes: 1000 }
  - name: nogroup
    from: { connection: kafka, topic: a }
    to: [{ connection: rabbit, exchange: x }]
  - name: queue
    from: { connection: rabbit, queue: q, group: g }
    to: [{ connection: kafka, topic: b }]
  - name: to-stdout
    from: { connection: kafka, topic: a, group: g2 }
    to: [{ connection: out }]
  - name: memory-dlq
    from: { connection: kafka, topic: a, group: g3 }
    to: [{ connection: kafka, topic: c }]
    deadLetter: { connection: mem, topic: dlq }
  - name: zeromq
    from: { connection: zmq, address: pull }
    to: [{ connection: kafka, topic: c }]
  - name: deduped
    from: { connection: kafka, topic: a, group: g4 }
    to: [{ connection: kafka, topic: d }]
    dedupe: { window: 1m }
`,
  'test.yaml',
  { registry, env: {} },
).config;

describe('routeSharing', () => {
  const sharing = routeSharing(config, registry);
  const by = (name: string) => sharing.find((s) => s.route === name);

  it('shares only a grouped route whose source address shares through the group', () => {
    expect(sharing.filter((s) => s.shared).map((s) => s.route)).toEqual(['grouped']);
  });
  it('says why every other route runs once', () => {
    expect(by('nogroup')?.reason).toMatch(/no group/);
    expect(by('queue')?.reason).toMatch(/does not share work through a group/);
    expect(by('to-stdout')?.reason).toMatch(/"out" \(stdio:\/\/\) lives in one process/);
    expect(by('memory-dlq')?.reason).toMatch(/"mem" \(memory:\/\/\)/);
    expect(by('zeromq')?.reason).toMatch(/ZeroMQ/);
    expect(by('deduped')?.reason).toMatch(/dedupe/);
  });
  it('prints one line per route', () => {
    const lines = sharingLines(sharing, 2);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('route "grouped": shared by all 2 workers through its source group');
    expect(lines[1]).toMatch(/^route "nogroup": runs in worker 0 only: /);
  });
});

describe('configForWorker', () => {
  const sharing = routeSharing(config, registry);
  it('worker 0 runs every route, without HTTP', () => {
    const w0 = configForWorker(config, sharing, 0, 2);
    expect(w0.routes.map((r) => r.name)).toEqual(config.routes.map((r) => r.name));
    expect(w0.http.enabled).toBe(false);
    expect(w0.workers).toBe(1);
    expect(Object.keys(w0.connections).sort()).toEqual(['kafka', 'mem', 'out', 'rabbit', 'zmq']);
  });
  it('other workers run only shared routes and open only their connections', () => {
    const w1 = configForWorker(config, sharing, 1, 2);
    expect(w1.routes.map((r) => r.name)).toEqual(['grouped']);
    expect(Object.keys(w1.connections).sort()).toEqual(['kafka', 'rabbit']);
  });
  it('splits the rate limit of a shared route over the workers (rounded up)', () => {
    const w1 = configForWorker(config, sharing, 1, 2);
    expect(w1.routes[0]?.rateLimit).toEqual({ messages: 51, bytes: 500 });
    expect(config.routes[0]?.rateLimit).toEqual({ messages: 101, bytes: 1000 });
  });
});
