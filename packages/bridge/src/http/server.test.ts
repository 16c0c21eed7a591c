import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Logger } from '@polybus/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpServer, startHttpServer } from './server.js';

const SECRET_ROUTE = 'route-with-a-private-name';

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = (): void => undefined;
  return { debug: none, info: none, error: none, warn: (_o, m) => warnings.push(String(m)), warnings };
}

const source = {
  readiness: () => ({ ready: true, connections: {}, routes: { [SECRET_ROUTE]: { state: 'running' } } }),
  routes: () => ({ routes: [{ name: SECRET_ROUTE }] }),
  refreshMetrics: () => undefined,
};

/** GET `path` with the Host header `host` (undefined: none sent); resolves status and body. */
function get(
  port: number,
  path: string,
  host: string | undefined,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        setHost: host !== undefined,
        headers: host ? { host } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when the server closes `socket`, with the bytes it sent before. */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

describe('http server hardening', () => {
  let server: HttpServer | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    server = undefined;
  });
  const start = (extra: Record<string, unknown> = {}, logger = capturingLogger()) =>
    startHttpServer({ host: '127.0.0.1', port: 0, source, metrics: new Registry(), logger, ...extra });

  it('answers loopback names, the bind host, IP literals and allowed names', async () => {
    server = await start({ allowedHosts: ['bridge.internal'] });
    const { port } = server;
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      '10.1.2.3:9464',
      'bridge.internal',
      'Bridge.Internal.:80',
    ]) {
      const r = await get(port, '/routes', host);
      expect(r.status, host).toBe(200);
      expect(r.body).toContain(SECRET_ROUTE);
    }
  });

  it('serves the console with a strict CSP (own script only, no inline) and no framing', async () => {
    server = await start();
    const base = `http://127.0.0.1:${server.port}`;
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console/console.js"></script>');
    expect(html).not.toMatch(/<script>|<style>|\son[a-z]+=/);
    const script = await fetch(`${base}/console/console.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('textContent');
    expect((await fetch(`${base}/console/other.js`)).status).toBe(404);
    expect((await get(server.port, '/console', 'evil.example')).status).toBe(421);
  });

  it('refuses a forged Host (DNS rebinding) with 421 and no body from the endpoint', async () => {
    server = await start();
    for (const path of ['/routes', '/metrics', '/health/ready', '/health/live', '/nope']) {
      for (const host of [
        'evil.example',
        `evil.example:${server.port}`,
        'localhost.evil.example',
        '127.0.0.1.nip.io',
      ]) {
        const r = await get(server.port, path, host);
        expect(r.status, `${host}${path}`).toBe(421);
        expect(r.body).toBe('{"error":"misdirected request"}');
        expect(r.body).not.toContain(SECRET_ROUTE);
        expect(r.body).not.toContain('evil');
      }
    }
  });

  it('refuses a request without a Host header', async () => {
    server = await start();
    const s = await open(server.port);
    sockets.push(s);
    const reply = closed(s);
    s.write('GET /routes HTTP/1.0\r\n\r\n');
    const text = await reply;
    expect(text.startsWith('HTTP/1.1 421')).toBe(true);
    expect(text).not.toContain(SECRET_ROUTE);
  });

  it('/health/live reports the event loop delay measured since the server started', async () => {
    server = await start();
    const first = JSON.parse((await get(server.port, '/health/live', 'localhost')).body);
    expect(first).toMatchObject({ status: 'live', eventLoopDelay: expect.any(Object) });
    // The monitor measures from its first sample on (one resolution after the server started).
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // hold the event loop, as a runaway handler would
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { eventLoopDelay } = JSON.parse((await get(server.port, '/health/live', 'localhost')).body);
    expect(eventLoopDelay.maxMs).toBeGreaterThanOrEqual(250);
    expect(eventLoopDelay.sinceMs).toBeGreaterThan(first.eventLoopDelay.sinceMs);
  });

  it('"*" in allowedHosts answers any Host', async () => {
    server = await start({ allowedHosts: ['*'] });
    expect((await get(server.port, '/health/live', 'anything.example')).status).toBe(200);
  });

  it('warns when bound to a non-loopback address without an admin token, only then', async () => {
    const loud = capturingLogger();
    server = await start({ host: '0.0.0.0' }, loud);
    expect(loud.warnings.filter((w) => w.includes('non-loopback'))).toHaveLength(1);
    await server.close();
    const quiet = capturingLogger();
    server = await start({ host: '0.0.0.0', adminToken: 't' }, quiet);
    await server.close();
    server = await start({}, quiet);
    expect(quiet.warnings).toEqual([]);
  });

  it('caps open connections: one past maxConnections is closed at once', async () => {
    server = await start({ maxConnections: 2 });
    const first = await open(server.port);
    const second = await open(server.port);
    sockets.push(first, second);
    const third = await open(server.port);
    sockets.push(third);
    const text = await closed(third);
    expect(text).toBe('');
    expect(first.destroyed).toBe(false);
    // Once a held connection goes, a new one is served again.
    const gone = closed(first);
    first.destroy();
    await gone;
    await expect
      .poll(
        async () =>
          (await get(server?.port ?? 0, '/health/live', 'localhost').catch(() => ({ status: 0 }))).status,
      )
      .toBe(200);
  });

  it('closes a socket whose headers do not arrive within headersTimeoutMs (slowloris)', async () => {
    server = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const s = await open(server.port);
    sockets.push(s);
    const started = Date.now();
    const done = closed(s);
    s.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n');
    const text = await done;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(text === '' || text.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes an idle kept-alive socket after keepAliveTimeoutMs', async () => {
    server = await start({ keepAliveTimeoutMs: 300 });
    const s = await open(server.port);
    sockets.push(s);
    const started = Date.now();
    const done = closed(s);
    s.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    const text = await done;
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
