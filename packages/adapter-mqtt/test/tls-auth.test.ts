import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClosePool,
  expectConnectRefused,
  expectNoSecret,
  type MosquittoTlsServer,
  makeTestCerts,
  rejection,
  roundTrip,
  startMosquittoTls,
  type TestCerts,
} from '../../../test/tls/index.js';
import type { MqttTransport } from '../src/mqtt-transport.js';
import { mqttTransport } from './mqtt-test-env.js';

/** Ports of this file's own Mosquitto (the security test range is 16000-16099). */
const PORT = 16040;
const MUTUAL_PORT = 16041;

describe('mqtt over TLS with a password file (own Mosquitto)', () => {
  let certs: TestCerts;
  let server: MosquittoTlsServer;
  const pool = new ClosePool();
  const transport = (url: string, options: Record<string, unknown>): MqttTransport =>
    pool.track(mqttTransport({ connectTimeoutMs: 5_000, reconnectPeriodMs: 200, ...options }, url));
  const base = (port = PORT): string => `mqtts://127.0.0.1:${port}`;

  beforeAll(async () => {
    certs = await makeTestCerts();
    server = await startMosquittoTls(PORT, MUTUAL_PORT, certs);
  }, 60_000);
  afterAll(async () => {
    await pool.closeAll();
    await server?.stop();
    await certs?.remove();
  }, 60_000);

  it('connects with the CA file and option credentials, publishes and consumes', async () => {
    const t = transport(base(), {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.ca },
    });
    const d = await roundTrip(t, uniqueName('tls'));
    expect(d.message.id).toBe('m1');
    expect(new TextDecoder().decode(d.message.body)).toBe('over tls');
    expect(d.message.headers.k).toBe('v');
  });

  it('takes percent-encoded URL credentials, and a passwordFile', async () => {
    const url = `mqtts://${server.user}:${encodeURIComponent(server.password)}@localhost:${PORT}`;
    expect(
      (await roundTrip(transport(url, { tls: { caFile: certs.ca } }), uniqueName('tls'))).message.id,
    ).toBe('m1');
    const file = join(certs.dir, 'mqtt-password');
    await writeFile(file, `${server.password}\n`);
    const t = transport(base(), { username: server.user, passwordFile: file, tls: { caFile: certs.ca } });
    await t.connect();
    expect(t.health().state).toBe('up');
  });

  it('mutual TLS: the client certificate is sent where the listener requires one', async () => {
    const creds = { username: server.user, password: server.password };
    const withCert = transport(base(MUTUAL_PORT), {
      ...creds,
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    expect((await roundTrip(withCert, uniqueName('tls'))).message.id).toBe('m1');
    const without = transport(base(MUTUAL_PORT), { ...creds, tls: { caFile: certs.ca } });
    const error = await rejection(without.connect());
    expect(error.code).toBe('CONNECTION_FAILED');
    expectNoSecret(error, server.password);
  });

  it('tls on an mqtt:// URL turns TLS on', async () => {
    const t = transport(`mqtt://127.0.0.1:${PORT}`, {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.ca },
    });
    await t.connect();
    expect(t.health().state).toBe('up');
  });

  it('refuses a server certificate a wrong CA did not sign: not retriable, reason tls', async () => {
    const t = transport(base(), {
      username: server.user,
      password: server.password,
      tls: { caFile: certs.wrongCa },
    });
    expectConnectRefused(await rejection(t.connect()), 'tls', [server.password]);
  });

  it('verifies by default (no CA: the test CA is not a system CA) and checks the server name', async () => {
    const creds = { username: server.user, password: server.password };
    expect((await rejection(transport(base(), creds).connect())).details).toEqual({ reason: 'tls' });
    const named = transport(base(), {
      ...creds,
      tls: { caFile: certs.ca, serverName: 'not-this-host.example' },
    });
    expect((await rejection(named.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a wrong password (URL or option) with a typed error naming neither it nor the URL', async () => {
    const wrong = 'wr0ng pass/word@x';
    const url = `mqtts://${server.user}:${encodeURIComponent(wrong)}@127.0.0.1:${PORT}`;
    for (const t of [
      transport(url, { tls: { caFile: certs.ca } }),
      transport(base(), { username: server.user, password: wrong, tls: { caFile: certs.ca } }),
    ]) {
      expectConnectRefused(await rejection(t.connect()), 'auth', [
        wrong,
        encodeURIComponent(wrong),
        url,
        'wr0ng',
      ]);
    }
  });

  it('refuses anonymous clients, and a subscription with a wrong password the same way', async () => {
    const anonymous = transport(base(), { tls: { caFile: certs.ca } });
    expect((await rejection(anonymous.connect())).details).toMatchObject({ reason: 'auth' });
    const t = transport(base(), { username: server.user, password: 'nope nope', tls: { caFile: certs.ca } });
    const error = await rejection(t.subscribe(uniqueName('tls'), async () => undefined));
    expect(error.retriable).toBe(false);
    expect(error.details).toMatchObject({ reason: 'auth' });
    expectNoSecret(error, 'nope nope');
  });

  it('an unreadable CA or password file is a ConfigError naming the option and path', async () => {
    const missing = join(certs.dir, 'absent.pem');
    const caError = await rejection(transport(base(), { tls: { caFile: missing } }).connect());
    expect(caError.code).toBe('CONFIG_INVALID');
    expect(caError.message).toContain(`tls.caFile: cannot read ${missing} (ENOENT)`);
    const pwError = await rejection(
      transport(base(), {
        username: server.user,
        passwordFile: missing,
        tls: { caFile: certs.ca },
      }).connect(),
    );
    expect(pwError.message).toContain(`passwordFile: cannot read ${missing}`);
  });
});
