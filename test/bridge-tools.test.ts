import { spawn } from 'node:child_process';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, CLI, ROOT, runCli, writeConfig } from './helpers/bridge-process.js';
import { RABBIT_URL, readyCount, withRabbit } from './helpers/rabbit.js';

const rabbit = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const nats = await requireBroker('nats', '127.0.0.1', 4222);

let bridges: BridgeProcess[] = [];
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});

describe.runIf(rabbit)('polybus send / tail and shared groups (RabbitMQ)', () => {
  it('tail prints what send publishes, with headers and key', async () => {
    const exchange = uniqueName('bridge-tools');
    const tail = spawn(
      process.execPath,
      [CLI, 'tail', RABBIT_URL, JSON.stringify(exchange), '--group', 'g', '--format', 'json'],
      { cwd: ROOT },
    );
    let out = '';
    let err = '';
    tail.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    tail.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    try {
      // The group queue exists once tail subscribed; wait for it before sending.
      await expect
        .poll(() => withRabbit((ch) => ch.checkQueue(`${exchange}.g`).then(() => true)).catch(() => false), {
          timeout: 15_000,
        })
        .toBe(true);
      const sent = await runCli(
        [
          'send',
          RABBIT_URL,
          JSON.stringify(exchange),
          '--header',
          'x-a=1',
          '--header',
          'content-type=text/plain',
          '--key',
          'k1',
        ],
        {
          input: 'one\ntwo\nthree\n',
        },
      );
      expect(sent.code).toBe(0);
      expect(sent.stderr).toContain('sent 3 message(s)');
      await expect.poll(() => out.trim().split('\n').filter(Boolean).length, { timeout: 15_000 }).toBe(3);
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { body: string; key: string; headers: Record<string, string> });
      expect(lines.map((l) => l.body)).toEqual(['one', 'two', 'three']);
      for (const line of lines) {
        expect(line.key).toBe('k1');
        expect(line.headers).toMatchObject({ 'x-a': '1', 'content-type': 'text/plain' });
      }
      expect(err).not.toContain('guest:guest');
    } finally {
      tail.kill('SIGTERM');
    }
  });

  it('two bridges running the same config with a group share the work: every message once', async () => {
    const source = uniqueName('bridge-shared');
    const total = 1000;
    const config = writeConfig(`connections:
  rabbit: ${RABBIT_URL}
  out: { url: stdio://, options: { format: json } }
http: { port: 0 }
routes:
  - name: shared
    from: { connection: rabbit, address: ${source}, group: workers }
    to: [{ connection: out }]
    maxInFlight: 8
`);
    const a = await BridgeProcess.start(config);
    const b = await BridgeProcess.start(config);
    bridges.push(a, b);
    await withRabbit(async (ch) => {
      for (let i = 0; i < total; i++)
        ch.publish(source, `k${i}`, Buffer.from(`m${i}`), { messageId: `id-${i}`, persistent: true });
    });
    await expect.poll(() => a.lines.length + b.lines.length, { timeout: 30_000 }).toBe(total);
    await new Promise((r) => setTimeout(r, 500));
    const ids = [...a.json(), ...b.json()].map((l) => l.id);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(a.lines.length).toBeGreaterThan(0);
    expect(b.lines.length).toBeGreaterThan(0);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    expect(await readyCount(`${source}.workers`)).toBe(0);
    await withRabbit(async (ch) => {
      await ch.deleteQueue(`${source}.workers`);
      await ch.deleteExchange(source);
    });
  });

  it('never shows credentials in logs, /health/ready or /routes', async () => {
    const bridge = await BridgeProcess.start(
      writeConfig(`connections:
  rabbit: amqp://guest:guest@127.0.0.1:5672
  m: memory://creds
http: { port: 0 }
routes:
  - { name: r, from: { connection: m, topic: t }, to: [{ connection: rabbit, address: ${uniqueName('bridge-creds')} }] }
`),
    );
    bridges.push(bridge);
    const ready = await bridge.get('/health/ready');
    expect(ready.status).toBe(200);
    const everything = [
      bridge.stderr,
      ready.text,
      (await bridge.get('/routes')).text,
      (await bridge.get('/metrics')).text,
    ].join('\n');
    expect(everything).not.toContain('guest:guest');
    expect(everything).not.toContain(':guest@');
    expect(await bridge.stop()).toBe(0);
    expect(bridge.stderr).not.toContain('guest:guest');
  });
});

describe.runIf(nats)('polybus send (NATS JetStream)', () => {
  it('publishes stdin lines with --options', async () => {
    const subject = uniqueName('bridge-send');
    const sent = await runCli(
      ['send', 'nats://127.0.0.1:4222', JSON.stringify({ subject }), '--options', '{"createStreams":true}'],
      { input: 'a\nb\n' },
    );
    expect(sent.stderr).toContain('sent 2 message(s)');
    expect(sent.code).toBe(0);
  });
});
