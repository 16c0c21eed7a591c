import { createMessage, type Delivery } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectConnectRefused,
  expectNoSecret,
  makeTestCerts,
  type RedisTlsServer,
  rejection,
  startRedisTls,
  type TestCerts,
} from '../../../test/tls/index.js';
import { RedisTransport, redisOptionsSchema } from '../src/index.js';
import { testLogger } from './helpers.js';

/** Port of this file's own TLS Redis (the security test range is 16000-16099). */
const PORT = 16010;

describe('redis over TLS with an ACL user', () => {
  let certs: TestCerts;
  let server: RedisTlsServer;
  const open: RedisTransport[] = [];
  const transport = (url: string, options: Record<string, unknown>): RedisTransport => {
    const t = new RedisTransport(
      url,
      redisOptionsSchema.parse({ connectTimeoutMs: 5_000, ...options }),
      testLogger,
    );
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    certs = await makeTestCerts();
    server = await startRedisTls(PORT, certs);
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close().catch(() => undefined)));
    await server?.stop();
    await certs?.remove();
  });

  it('connects with the right CA and options credentials, and moves a message', async () => {
    const t = transport(`rediss://127.0.0.1:${PORT}`, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.ca },
    });
    await t.connect();
    const stream = uniqueName('tls');
    await t.publish(stream, [createMessage({ id: 'm1', body: 'over tls' })]);
    const got = await new Promise<Delivery>((resolve) => {
      void t.subscribe(
        stream,
        async (d) => {
          await d.ack();
          resolve(d);
        },
        { from: 'earliest' },
      );
    });
    expect(got.message.id).toBe('m1');
    expect(new TextDecoder().decode(got.message.body)).toBe('over tls');
  });

  it('connects with credentials in the URL (percent-encoded) and a client certificate', async () => {
    const url = `redis://${server.user}:${encodeURIComponent(server.password)}@localhost:${PORT}`;
    const t = transport(url, {
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    await t.connect();
    expect((await t.health()).state).toBe('up');
  });

  it('refuses a server whose certificate a wrong CA did not sign: not retriable, reason tls', async () => {
    const t = transport(`rediss://127.0.0.1:${PORT}`, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.wrongCa },
    });
    const error = await rejection(t.connect());
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({ reason: 'tls' });
    expectNoSecret(error, server.password);
  });

  it('verifies by default: rediss:// without a CA option refuses the test CA (not a system CA)', async () => {
    const t = transport(`rediss://127.0.0.1:${PORT}`, { username: server.user, password: server.password });
    expect((await rejection(t.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a certificate for another name (serverName)', async () => {
    const t = transport(`rediss://127.0.0.1:${PORT}`, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.ca, serverName: 'not-this-host.example' },
    });
    const error = await rejection(t.connect());
    expect(error.details).toEqual({ reason: 'tls' });
  });

  it('refuses a wrong password with a typed error naming neither the password nor the URL', async () => {
    const wrong = 'wr0ng pass/word@x';
    const url = `rediss://${server.user}:${encodeURIComponent(wrong)}@127.0.0.1:${PORT}/?password=${encodeURIComponent(wrong)}`;
    const t = transport(url, { tls: { caFile: certs.ca } });
    expectConnectRefused(await rejection(t.connect()), 'auth', [
      wrong,
      encodeURIComponent(wrong),
      url,
      'wr0ng',
    ]);
  });

  it('refuses a wrong password given as an option and from a file', async () => {
    const wrong = 'n0t the password';
    const t = transport(`rediss://127.0.0.1:${PORT}`, {
      username: server.user,
      password: wrong,
      tls: { caFile: certs.ca },
    });
    const error = await rejection(t.connect());
    expect(error.details).toEqual({ reason: 'auth' });
    expectNoSecret(error, wrong);
    // An unreadable password file is a ConfigError when the transport is created, naming the path.
    expect(() => transport(`rediss://127.0.0.1:${PORT}`, { passwordFile: `${certs.dir}/absent` })).toThrow(
      `passwordFile: cannot read ${certs.dir}/absent (ENOENT)`,
    );
  });
});
