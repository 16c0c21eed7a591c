import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectConnectRefused,
  expectNoSecret,
  makeTestCerts,
  type RabbitTlsServer,
  rejection,
  roundTrip,
  startRabbitTls,
  type TestCerts,
} from '../../../test/tls/index.js';
import { AmqpTransport, amqpAdapter } from '../src/index.js';

/** Ports of this file's own RabbitMQ node (the security test range is 16000-16099). */
const TLS_PORT = 16030;
const DIST_PORT = 16032;

describe('amqp over TLS on a second RabbitMQ node (PLAIN and EXTERNAL)', () => {
  let certs: TestCerts;
  let rabbit: RabbitTlsServer;
  const open: AmqpTransport[] = [];
  const transport = (url: string, options: Record<string, unknown>): AmqpTransport => {
    const o = amqpAdapter.optionsSchema.parse({
      connectAttempts: 2,
      reconnect: { initialDelayMs: 50 },
      ...options,
    });
    const t = new AmqpTransport(url, o, silentLogger);
    open.push(t);
    return t;
  };
  const base = () => `amqps://127.0.0.1:${TLS_PORT}`;

  beforeAll(async () => {
    certs = await makeTestCerts();
    rabbit = await startRabbitTls(TLS_PORT, DIST_PORT, certs);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 500 }).catch(() => undefined)));
    await rabbit?.stop();
    await certs?.remove();
  }, 120_000);

  /** Publishes one message to a fresh queue, consumes it back and returns its body as text. */
  const moved = async (t: AmqpTransport): Promise<string> =>
    new TextDecoder().decode((await roundTrip(t, uniqueName('tls'), { group: 'g' })).message.body);

  it('connects with the right CA and PLAIN options credentials, and moves a message', async () => {
    const t = transport(base(), {
      username: rabbit.user,
      password: rabbit.password,
      tls: { caFile: certs.ca },
    });
    expect(await moved(t)).toBe('over tls');
  });

  it('connects with credentials in the URL and with a password file', async () => {
    const url = `amqps://${rabbit.user}:${encodeURIComponent(rabbit.password)}@localhost:${TLS_PORT}`;
    await transport(url, { tls: { caFile: certs.ca } }).connect();
    const passwordFile = join(certs.dir, 'amqp-password');
    await writeFile(passwordFile, `${rabbit.password}\n`);
    await transport(base(), { username: rabbit.user, passwordFile, tls: { caFile: certs.ca } }).connect();
  });

  it('authenticates with EXTERNAL from the client certificate (no password at all)', async () => {
    const t = transport(`amqp://127.0.0.1:${TLS_PORT}`, {
      authMechanism: 'EXTERNAL',
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    expect(await moved(t)).toBe('over tls');
  });

  it('refuses a server whose certificate a wrong CA did not sign: not retriable, reason tls', async () => {
    const t = transport(base(), {
      username: rabbit.user,
      password: rabbit.password,
      tls: { caFile: certs.wrongCa },
    });
    const error = await rejection(t.connect());
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({ reason: 'tls' });
    expectNoSecret(error, rabbit.password);
  });

  it('verifies by default: amqps:// without a CA option refuses the test CA (not a system CA)', async () => {
    const t = transport(base(), { username: rabbit.user, password: rabbit.password });
    expect((await rejection(t.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a certificate for another name (serverName)', async () => {
    const t = transport(base(), {
      username: rabbit.user,
      password: rabbit.password,
      tls: { caFile: certs.ca, serverName: 'not-this-host.example' },
    });
    expect((await rejection(t.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a wrong password with a typed error naming neither the password nor the URL', async () => {
    const wrong = 'se@cret wr0ng/pw';
    const url = `amqps://${rabbit.user}:${encodeURIComponent(wrong)}@127.0.0.1:${TLS_PORT}`;
    const error = await rejection(transport(url, { tls: { caFile: certs.ca } }).connect());
    expectConnectRefused(error, 'auth', [wrong, encodeURIComponent(wrong), url, 'wr0ng']);
  });

  it('refuses EXTERNAL without a client certificate before dialling', async () => {
    const t = transport(base(), { authMechanism: 'EXTERNAL', tls: { caFile: certs.ca } });
    const error = await rejection(t.connect());
    expect(error.code).toBe('CONFIG_INVALID');
  });
});
