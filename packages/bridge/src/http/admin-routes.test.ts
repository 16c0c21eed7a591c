import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry, memoryAdapter, silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBridge, startBridge } from '../bridge.js';
import { configSchema } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { handleAdminRequest } from './admin-routes.js';

const registry = createRegistry(memoryAdapter);
let bridge: RunningBridge;
let server: Server;
let base: string;

async function serve(adminToken: string | undefined): Promise<void> {
  server = createServer((req, res) => {
    void handleAdminRequest(req, res, {
      bridge,
      registry,
      adminToken,
      logger: silentLogger,
      deadLetters: bridge.deadLetters,
    }).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(async () => {
  const config = configSchema.parse({
    connections: { bus: `memory://${uniqueName('admin')}`, secret: 'memory://user:hunter2@x' },
    http: { enabled: false },
    routes: [
      { name: 'r1', from: { connection: 'bus', topic: 'a' }, to: [{ connection: 'bus', topic: 'b' }] },
    ],
  });
  bridge = await startBridge({
    config,
    registry,
    logger: silentLogger,
    metrics: createMetrics({ processMetrics: false }),
  });
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await bridge.stop();
});

const auth = { authorization: 'Bearer s3cret' };
const newRoute = JSON.stringify({
  from: { connection: 'bus', topic: 'c' },
  to: [{ connection: 'bus', topic: 'd' }],
});

describe('admin API', () => {
  it('lists routes and connections with secrets redacted', async () => {
    await serve('s3cret');
    const routes = (await (await fetch(`${base}/api/routes`)).json()) as { routes: Array<{ name: string }> };
    expect(routes.routes.map((r) => r.name)).toEqual(['r1']);
    const text = await (await fetch(`${base}/api/connections`)).text();
    expect(text).toContain('"bus"');
    expect(text).not.toContain('hunter2');
    expect((await fetch(`${base}/other`)).status).toBe(418);
  });

  it('refuses mutating calls: 401 without or with a wrong token, 403 when no token is configured', async () => {
    await serve('s3cret');
    expect((await fetch(`${base}/api/routes/r2`, { method: 'PUT', body: newRoute })).status).toBe(401);
    expect(
      (await fetch(`${base}/api/routes/r1`, { method: 'DELETE', headers: { authorization: 'Bearer nope' } }))
        .status,
    ).toBe(401);
    expect((await fetch(`${base}/api/routes/r1/pause`, { method: 'POST' })).status).toBe(401);
    expect(bridge.routes().map((r) => [r.name, r.state])).toEqual([['r1', 'running']]);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await serve(undefined);
    expect((await fetch(`${base}/api/routes/r1`, { method: 'DELETE', headers: auth })).status).toBe(403);
  });

  it('adds, validates, pauses, resumes and deletes routes with the token', async () => {
    await serve('s3cret');
    const put = await fetch(`${base}/api/routes/r2`, { method: 'PUT', headers: auth, body: newRoute });
    expect(put.status).toBe(200);
    expect(bridge.routes().map((r) => r.name)).toEqual(['r1', 'r2']);
    const bad = await fetch(`${base}/api/routes/r3`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({
        from: { connection: 'nope', topic: 'x' },
        to: [{ connection: 'bus', topic: 'y' }],
      }),
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('unknown connection \\"nope\\"');
    expect((await fetch(`${base}/api/routes/r2/pause`, { method: 'POST', headers: auth })).status).toBe(200);
    expect(bridge.routes()[1]?.state).toBe('paused');
    expect((await fetch(`${base}/api/routes/r2/resume`, { method: 'POST', headers: auth })).status).toBe(200);
    expect(bridge.routes()[1]?.state).toBe('running');
    expect((await fetch(`${base}/api/routes/r9/pause`, { method: 'POST', headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/api/routes/r2`, { method: 'DELETE', headers: auth })).status).toBe(200);
    expect(bridge.routes().map((r) => r.name)).toEqual(['r1']);
    expect((await fetch(`${base}/api/routes/r2`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('dead letters: token required (bodies), 404 without a target, 409 where the target cannot be read', async () => {
    await serve('s3cret');
    const url = `${base}/api/routes/r1/dead-letters`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}/replay`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: auth })).status).toBe(405);
    const none = await fetch(url, { headers: auth });
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('has no dead-letter target');
    const withDlq = JSON.stringify({
      from: { connection: 'bus', topic: 'c' },
      to: [{ connection: 'bus', topic: 'd' }],
      deadLetter: { connection: 'bus', topic: 'c.dlq' },
    });
    expect(
      (await fetch(`${base}/api/routes/r2`, { method: 'PUT', headers: auth, body: withDlq })).status,
    ).toBe(200);
    const memory = await fetch(`${base}/api/routes/r2/dead-letters`, { headers: auth });
    expect(memory.status).toBe(409);
    expect(await memory.text()).toContain('cannot be read without consuming it');
    const bad = await fetch(`${base}/api/routes/r2/dead-letters/discard`, {
      method: 'POST',
      headers: auth,
      body: 'x',
    });
    expect(bad.status).toBe(400);
  });
});
