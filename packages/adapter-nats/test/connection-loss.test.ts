import { createServer, type Server, type Socket } from 'node:net';
import { createMessage, TimeoutError } from '@polybus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsTransport, type NatsTransportOptions, natsOptionsSchema } from '../src/index.js';

/**
 * A minimal in-process NATS server speaking just enough protocol for a core connection (INFO, PONG),
 * so connection loss and a frozen server can be simulated without touching the shared nats-server.
 */
class FakeNatsServer {
  readonly sockets = new Set<Socket>();
  frozen = false;
  readonly server: Server;

  constructor(private readonly maxPayload: number) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const port = (this.server.address() as { port: number }).port;
      socket.write(
        `INFO ${JSON.stringify({ server_id: 'FAKE', server_name: 'fake', version: '2.9.10', proto: 1, headers: true, max_payload: this.maxPayload, host: '127.0.0.1', port })}\r\n`,
      );
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        let at = buffered.indexOf('\r\n');
        while (at >= 0) {
          const line = buffered.slice(0, at);
          buffered = buffered.slice(at + 2);
          if (line === 'PING' && !this.frozen) socket.write('PONG\r\n');
          at = buffered.indexOf('\r\n');
        }
      });
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('connection loss and a frozen server (in-process fake server)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });

  async function setup(overrides: Partial<NatsTransportOptions>, maxPayload = 65_536) {
    const fake = new FakeNatsServer(maxPayload);
    const port = await fake.listen();
    cleanup.push(() => fake.close());
    const t = new NatsTransport(`nats://127.0.0.1:${port}`, natsOptionsSchema.parse(overrides), silent);
    cleanup.push(() => t.close({ timeoutMs: 100 }));
    await t.connect();
    return { fake, t };
  }

  it('connect() to a port where nothing listens rejects with a ConnectionError without credentials', async () => {
    const t = new NatsTransport(
      'nats://alice:hunter2@127.0.0.1:1',
      natsOptionsSchema.parse({ connectTimeoutMs: 1_000 }),
      silent,
    );
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', retriable: true });
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(t.health().state).toBe('down');
    await t.close();
  });

  it('reads max_payload from the server into maxMessageBytes', async () => {
    const { t } = await setup({}, 65_536);
    expect(t.capabilities.maxMessageBytes).toBe(65_536 - 8_192);
    expect(t.capabilitiesFor({ subject: 'a', core: true })).toMatchObject({
      persistent: false,
      maxMessageBytes: 65_536 - 8_192,
    });
  });

  it('a core publish to a frozen server rejects with TimeoutError instead of hanging', async () => {
    const { fake, t } = await setup({ requestTimeoutMs: 300 });
    fake.frozen = true;
    const started = Date.now();
    const error = await t.publish({ subject: 'x', core: true }, [createMessage({ body: 'x' })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('health goes connecting while reconnecting and up again after', async () => {
    const { fake, t } = await setup({ reconnectTimeWaitMs: 200 });
    expect(t.health().state).toBe('up');
    fake.dropConnections();
    await waitFor(() => t.health().state === 'connecting', 5_000);
    await waitFor(() => t.health().state === 'up', 10_000);
  });

  it('when reconnecting is given up, health is down and subscriptions end with a ConnectionError', async () => {
    const { fake, t } = await setup({ maxReconnectAttempts: 0 });
    const sub = await t.subscribe({ subject: 'gone', core: true }, () => undefined);
    await fake.close();
    const ended = await Promise.race([
      sub.closed,
      new Promise((r) => setTimeout(() => r('still open'), 10_000)),
    ]);
    expect(ended).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(t.health().state).toBe('down');
    await expect(
      t.publish({ subject: 'gone', core: true }, [createMessage({ body: 'x' })]),
    ).rejects.toMatchObject({
      retriable: true,
    });
  });
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
