import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClosedError,
  ConfigError,
  ConnectionError,
  createMessage,
  createRegistry,
  MessageTooLargeError,
  NotConnectedError,
} from '@polybus/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ZmqTransport, zeromqAdapter } from '../src/index.js';
import { collect, OpenTransports, text, zmqTransport } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());
const dir = mkdtempSync(join(tmpdir(), 'pbzmq-ep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Connects `t`, retrying while the port is still held by a socket closing in the background. */
async function retryUntilBound(t: ZmqTransport): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.connect();
      return;
    } catch (error) {
      if (attempt >= 50 || !(error instanceof ConnectionError)) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('endpoints and lifecycle', () => {
  it('is found in a registry under zmq+tcp and zmq+ipc with defaulted options', () => {
    const registry = createRegistry(zeromqAdapter);
    expect(registry.schemes()).toEqual(['zmq+tcp', 'zmq+ipc']);
    expect(registry.createTransport('zmq+tcp://127.0.0.1:25501').scheme).toBe('zmq+tcp');
    expect(registry.createTransport(`zmq+ipc://${dir}/r.sock`).scheme).toBe('zmq+ipc');
    expect(() => registry.createTransport('zmq+tcp://127.0.0.1:25501', { pattern: 'reqrep' })).toThrow(
      ConfigError,
    );
  });

  it('refuses to bind a tcp port in use, with a retriable ConnectionError at connect', async () => {
    const first = await transports.open('zmq+tcp://127.0.0.1:0');
    const taken = `zmq+tcp://${first.boundEndpoint!.slice('tcp://'.length)}`;
    const second = zmqTransport(taken);
    const error = await second.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retriable).toBe(true);
    expect((error as ConnectionError).message).toContain("bind: 'none'");
    // Once the port is free, connecting again succeeds (a failed connect is not remembered).
    await first.close();
    await retryUntilBound(second);
    expect(second.boundEndpoint).toBe(first.boundEndpoint);
    await second.close();
  });

  it('refuses to bind an ipc path another live socket is bound to (ZeroMQ would take it over)', async () => {
    const url = `zmq+ipc://${dir}/taken.sock`;
    const first = await transports.open(url);
    const { collector } = await collect(first, 't');
    const second = zmqTransport(url);
    await expect(second.connect()).rejects.toBeInstanceOf(ConnectionError);
    await second.close();
    await first.publish('t', [createMessage({ body: 'first still owns it' })]);
    await collector.waitFor(1, 10_000);
    expect(collector.deliveries.map(text)).toEqual(['first still owns it']);
  });

  it('binds a stale ipc socket file left by a dead process', async () => {
    const path = `${dir}/stale.sock`;
    // A process that binds a Unix socket and dies without removing it.
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(existsSync(path)).toBe(true);
    const next = await transports.open(`zmq+ipc://${path}`);
    const { collector } = await collect(next, 'x');
    await next.publish('x', [createMessage({ body: 'ok' })]);
    await collector.waitFor(1, 10_000);
  });

  it('rejects publish before connect, after close, and bodies over maxMessageBytes', async () => {
    const t = zmqTransport('zmq+tcp://127.0.0.1:0', { maxMessageBytes: 10 });
    expect(t.health().state).toBe('down');
    await expect(t.publish('a', [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(NotConnectedError);
    await t.connect();
    await t.connect();
    expect(t.health().state).toBe('up');
    await expect(t.publish('a', [createMessage({ body: '12345678901' })])).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );
    await t.close();
    await t.close();
    expect(t.health().state).toBe('closed');
    await expect(t.publish('a', [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(ClosedError);
  });

  it('a subscription whose publisher is not up yet resolves after joinTimeoutMs and joins later', async () => {
    const url = `zmq+tcp://127.0.0.1:${await freePort()}`;
    const sub = await transports.open(url, { bind: 'none', joinTimeoutMs: 300 });
    const started = performance.now();
    const { collector } = await collect(sub, 'late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    const pub = await transports.open(url);
    // No event tells a remote publisher the subscription arrived: publish until one gets through.
    while (collector.count === 0) {
      await pub.publish('late', [createMessage({ body: 'hello' })]);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(text(collector.deliveries[0]!)).toBe('hello');
  });
});
