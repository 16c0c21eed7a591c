import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArtemisTlsServer,
  artemisCli,
  ClosePool,
  expectConnectRefused,
  makeTestCerts,
  rejection,
  roundTrip,
  startArtemisTls,
  type TestCerts,
} from '../../../test/tls/index.js';
import { Amqp1Transport, amqp1OptionsSchema } from '../src/index.js';
import { artemisTransport } from './amqp1-test-env.js';

/** Ports of this file's own Artemis (the security test range is 16000-16099). */
const PORT = 16050;
/** Its second acceptor, which requires a client certificate. */
const MUTUAL_PORT = 16051;

/** A logger that keeps the messages of warn and error lines (to see a reconnect loop). */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_o, msg) => void lines.push(`warn ${msg ?? ''}`),
    error: (_o, msg) => void lines.push(`error ${msg ?? ''}`),
    child: () => logger,
  };
  return logger;
}

const available = artemisCli() !== undefined;
if (!available && process.env.POLYBUS_REQUIRE_BROKERS === '1')
  throw new Error('POLYBUS_REQUIRE_BROKERS=1 but no Artemis distribution is cached (scripts/brokers.sh)');

describe.runIf(available)('amqp1 over TLS with SASL PLAIN (own Artemis instance)', () => {
  let certs: TestCerts;
  let server: ArtemisTlsServer;
  const pool = new ClosePool();
  const transport = (url: string, options: Record<string, unknown>): Amqp1Transport =>
    pool.track(artemisTransport({ connectTimeoutMs: 15_000, ...options }, url));
  const base = `amqps1://127.0.0.1:${PORT}`;

  beforeAll(async () => {
    certs = await makeTestCerts();
    server = await startArtemisTls(PORT, certs, undefined, undefined, MUTUAL_PORT);
  }, 240_000);
  afterAll(async () => {
    await pool.closeAll();
    await server?.stop();
    await certs?.remove();
  }, 60_000);

  it('connects with the CA file and option credentials (SASL PLAIN), publishes and consumes', async () => {
    const t = transport(base, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.ca },
    });
    const d = await roundTrip(t, { queue: uniqueName('pbtls') });
    expect(d.message.id).toBe('m1');
    expect(new TextDecoder().decode(d.message.body)).toBe('over tls');
    expect(d.message.headers.k).toBe('v');
  }, 60_000);

  it('takes percent-encoded URL credentials, a passwordFile, and tls on an amqp1:// URL', async () => {
    const url = `amqps1://${server.user}:${encodeURIComponent(server.password)}@localhost:${PORT}`;
    await transport(url, { tls: { caFile: certs.ca } }).connect();
    const file = join(certs.dir, 'amqp1-password');
    await writeFile(file, `${server.password}\n`);
    const t = transport(`amqp1://127.0.0.1:${PORT}`, {
      username: server.user,
      passwordFile: file,
      tls: { caFile: certs.ca },
    });
    await t.connect();
    expect(t.health().state).toBe('up');
  }, 60_000);

  it('refuses a server certificate a wrong CA did not sign at once: not retriable, reason tls', async () => {
    const t = transport(base, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.wrongCa },
    });
    const started = Date.now();
    const error = await rejection(t.connect());
    expect(Date.now() - started).toBeLessThan(10_000); // not after connectTimeoutMs of retries
    expectConnectRefused(error, 'tls', [server.password]);
  }, 60_000);

  it('verifies by default (no CA) and checks the server name', async () => {
    const creds = { username: server.user, password: server.password };
    expect((await rejection(transport(base, creds).connect())).details).toEqual({ reason: 'tls' });
    const named = transport(base, {
      ...creds,
      tls: { caFile: certs.ca, serverName: 'not-this-host.example' },
    });
    expect((await rejection(named.connect())).details).toEqual({ reason: 'tls' });
  }, 60_000);

  it('refuses a wrong password (URL or option) within seconds: typed, not retriable, no secret, health down', async () => {
    const wrong = 'wr0ng pass/word@x';
    const url = `amqps1://${server.user}:${encodeURIComponent(wrong)}@127.0.0.1:${PORT}`;
    for (const t of [
      transport(url, { tls: { caFile: certs.ca } }),
      transport(base, { username: server.user, password: wrong, tls: { caFile: certs.ca } }),
    ]) {
      const started = Date.now();
      const error = await rejection(t.connect());
      expect(Date.now() - started).toBeLessThan(5_000); // connectTimeoutMs is 15 s
      expectConnectRefused(error, 'auth', [wrong, encodeURIComponent(wrong), url, 'wr0ng']);
      expect(t.health().state).toBe('down');
      expect(t.health().detail).toContain('authentication failed');
    }
  }, 60_000);

  it('refuses a connection without credentials (SASL ANONYMOUS) as auth at once, without a reconnect loop', async () => {
    // Artemis accepts ANONYMOUS, opens the connection, then closes it with amqp:unauthorized-access
    const lines: string[] = [];
    const options = amqp1OptionsSchema.parse({ connectTimeoutMs: 15_000, tls: { caFile: certs.ca } });
    const t = pool.track(new Amqp1Transport(base, options, recordingLogger(lines)));
    const started = Date.now();
    const error = await rejection(t.connect());
    expect(Date.now() - started).toBeLessThan(5_000);
    expectConnectRefused(error, 'auth');
    expect(error.message).toContain('amqp:unauthorized-access');
    expect(t.health()).toMatchObject({ state: 'down' });
    expect(t.health().detail).toContain('authentication failed');
    // a second connect() tries once more and is refused the same way; nothing reconnected meanwhile
    expectConnectRefused(await rejection(t.connect()), 'auth');
    expect(lines).toEqual([]);
  }, 60_000);

  it('mutual TLS: connects with the client certificate where the acceptor requires one, refused without', async () => {
    const creds = { username: server.user, password: server.password };
    const mutual = `amqps1://127.0.0.1:${MUTUAL_PORT}`;
    const withCert = transport(mutual, {
      ...creds,
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    const d = await roundTrip(withCert, { queue: uniqueName('pbtls.mutual') });
    expect(d.message.id).toBe('m1');
    // the broker's TLS alert (bad certificate) fails the first connect at once, not after 15 s of retries
    const without = transport(mutual, { ...creds, tls: { caFile: certs.ca } });
    const started = Date.now();
    const error = await rejection(without.connect());
    expect(Date.now() - started).toBeLessThan(5_000);
    expectConnectRefused(error, 'tls', [server.password], false);
    expect(error.message).toContain('TLS client certificate refused by the server');
    expect(without.health().state).toBe('down');
  }, 60_000);

  it('an unreadable CA or password file is a ConfigError naming the option and path', async () => {
    const missing = join(certs.dir, 'absent.pem');
    const caError = await rejection(transport(base, { tls: { caFile: missing } }).connect());
    expect(caError.code).toBe('CONFIG_INVALID');
    expect(caError.message).toContain(`tls.caFile: cannot read ${missing} (ENOENT)`);
    const pwError = await rejection(
      transport(base, { username: server.user, passwordFile: missing, tls: { caFile: certs.ca } }).connect(),
    );
    expect(pwError.message).toContain(`passwordFile: cannot read ${missing}`);
  });
});
