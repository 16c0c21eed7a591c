import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, ROOT, writeConfig } from './helpers/bridge-process.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);
const execFileAsync = promisify(execFile);

let bridge: BridgeProcess | undefined;
afterEach(() => bridge?.kill());
afterAll(() => {
  execFileSync('bash', ['scripts/brokers.sh', 'up'], { cwd: ROOT, stdio: 'ignore' });
});

describe.runIf(up)('bridge across a broker restart (NATS JetStream)', () => {
  it('reports not ready while the connection is down, then carries messages again without a restart', async () => {
    const subject = uniqueName('bridge-reconnect');
    bridge = await BridgeProcess.start(
      writeConfig(`connections:
  in: { url: stdio://, options: { format: json } }
  out: { url: stdio://, options: { format: json } }
  nats: { url: nats://127.0.0.1:4222, options: { createStreams: true } }
http: { port: 0 }
routes:
  - { name: into-nats, from: { connection: in }, to: [{ connection: nats, subject: ${subject} }] }
  - { name: out-of-nats, from: { connection: nats, subject: ${subject}, group: g }, to: [{ connection: out }] }
`),
    );
    const running = bridge;
    running.send([JSON.stringify({ id: 'before', body: 'b' })]);
    await running.waitForLines(1);
    expect((await running.get('/health/ready')).status).toBe(200);

    const states: number[] = [];
    const watcher = setInterval(() => {
      running
        .get('/health/ready')
        .then((r) => states.push(r.status))
        .catch(() => undefined);
    }, 50);
    try {
      // Async, so the watcher keeps sampling /health/ready while the broker is down.
      await execFileAsync('bash', ['scripts/brokers.sh', 'restart', 'nats'], { cwd: ROOT });
      await expect
        .poll(async () => (await running.get('/health/ready')).status, { timeout: 60_000, interval: 200 })
        .toBe(200);
    } finally {
      clearInterval(watcher);
    }
    expect(states).toContain(503);

    running.send([JSON.stringify({ id: 'after', body: 'a' })]);
    await running.waitForLines(2, 60_000);
    expect(running.json().map((l) => l.id)).toEqual(['before', 'after']);
    expect(await running.stop()).toBe(0);
  });
});
