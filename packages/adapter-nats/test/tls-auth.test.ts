import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMessage, type Delivery, isPolybusError, silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { nkeys } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectConnectRefused,
  expectNoSecret,
  makeTestCerts,
  type NatsTlsServer,
  natsOperatorSetup,
  rejection,
  startNatsTls,
  type TestCerts,
} from '../../../test/tls/index.js';
import { NatsTransport, natsOptionsSchema } from '../src/index.js';

/** Ports of this file's own TLS NATS servers (the security test range is 16000-16099). */
const USERS_PORT = 16020;
const TOKEN_PORT = 16021;
const OPERATOR_PORT = 16022;
const USER = 'app';
const PASSWORD = 'nats pa/ss word@1';
const TOKEN = 't0ken/with spaces';

describe('nats over TLS with an authorization block', () => {
  let certs: TestCerts;
  let users: NatsTlsServer;
  let tokens: NatsTlsServer;
  let operator: NatsTlsServer;
  let credsFile: string;
  let seedFile: string;
  const open: NatsTransport[] = [];
  const transport = (url: string, options: Record<string, unknown>): NatsTransport => {
    const t = new NatsTransport(
      url,
      natsOptionsSchema.parse({ connectTimeoutMs: 5_000, maxReconnectAttempts: 0, ...options }),
      silentLogger,
    );
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    certs = await makeTestCerts();
    const kp = nkeys.createUser();
    seedFile = join(certs.dir, 'user.nk');
    await writeFile(seedFile, `${new TextDecoder().decode(kp.getSeed())}\n`);
    const jwt = natsOperatorSetup();
    credsFile = join(certs.dir, 'user.creds');
    await writeFile(credsFile, jwt.userCreds);
    [users, tokens, operator] = await Promise.all([
      startNatsTls(USERS_PORT, certs, {
        users: [{ user: USER, password: PASSWORD }],
        nkeys: [kp.getPublicKey()],
      }),
      startNatsTls(TOKEN_PORT, certs, { token: TOKEN }),
      startNatsTls(OPERATOR_PORT, certs, {
        operatorJwt: jwt.operatorJwt,
        accounts: { [jwt.accountPublicKey]: jwt.accountJwt },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close().catch(() => undefined)));
    await Promise.all([users?.stop(), tokens?.stop(), operator?.stop()]);
    await certs?.remove();
  });

  /** Subscribes to a fresh core subject, publishes one message, resolves with what arrived. */
  async function roundTrip(t: NatsTransport): Promise<string> {
    await t.connect();
    const subject = uniqueName('tls');
    let arrived: (d: Delivery) => void = () => undefined;
    const got = new Promise<Delivery>((resolve) => {
      arrived = resolve;
    });
    // Resolved once the SUB is sent; the PUB follows on the same connection, so the server has it first.
    await t.subscribe({ subject, core: true }, async (d) => {
      await d.ack();
      arrived(d);
    });
    await t.publish({ subject, core: true }, [createMessage({ body: 'over tls' })]);
    return new TextDecoder().decode((await got).message.body);
  }

  it('connects with the right CA and user/password options, and moves a message', async () => {
    const t = transport(`nats://127.0.0.1:${USERS_PORT}`, {
      user: USER,
      password: PASSWORD,
      tls: { caFile: certs.ca },
    });
    expect(await roundTrip(t)).toBe('over tls');
  });

  it('connects with credentials in the URL, a client certificate and a password file', async () => {
    const url = `nats://${USER}:${encodeURIComponent(PASSWORD)}@localhost:${USERS_PORT}`;
    const t = transport(url, {
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    expect(await roundTrip(t)).toBe('over tls');
    const passwordFile = join(certs.dir, 'nats-password');
    await writeFile(passwordFile, `${PASSWORD}\n`);
    const f = transport(`nats://127.0.0.1:${USERS_PORT}`, {
      user: USER,
      passwordFile,
      tls: { caFile: certs.ca },
    });
    await f.connect();
  });

  it('connects with an NKEY seed file', async () => {
    const t = transport(`nats://127.0.0.1:${USERS_PORT}`, {
      nkeySeedFile: seedFile,
      tls: { caFile: certs.ca },
    });
    expect(await roundTrip(t)).toBe('over tls');
  });

  it('connects with a .creds file to a server in operator (JWT) mode, and is refused without it', async () => {
    const t = transport(`nats://127.0.0.1:${OPERATOR_PORT}`, { credsFile, tls: { caFile: certs.ca } });
    expect(await roundTrip(t)).toBe('over tls');
    const anonymous = transport(`nats://127.0.0.1:${OPERATOR_PORT}`, { tls: { caFile: certs.ca } });
    expect((await rejection(anonymous.connect())).details).toEqual({ reason: 'auth' });
  });

  it('connects with a token (option and file) and refuses a wrong one', async () => {
    const t = transport(`nats://127.0.0.1:${TOKEN_PORT}`, { token: TOKEN, tls: { caFile: certs.ca } });
    expect(await roundTrip(t)).toBe('over tls');
    const tokenFile = join(certs.dir, 'nats-token');
    await writeFile(tokenFile, TOKEN);
    await transport(`nats://127.0.0.1:${TOKEN_PORT}`, { tokenFile, tls: { caFile: certs.ca } }).connect();
    const wrong = 'wrong t0ken';
    const error = await rejection(
      transport(`nats://127.0.0.1:${TOKEN_PORT}`, { token: wrong, tls: { caFile: certs.ca } }).connect(),
    );
    expect(error.details).toEqual({ reason: 'auth' });
    expectNoSecret(error, wrong);
  });

  it('refuses a server whose certificate a wrong CA did not sign: not retriable, reason tls', async () => {
    const t = transport(`nats://127.0.0.1:${USERS_PORT}`, {
      user: USER,
      password: PASSWORD,
      tls: { caFile: certs.wrongCa },
    });
    const error = await rejection(t.connect());
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({ reason: 'tls' });
    expectNoSecret(error, PASSWORD);
  });

  it('verifies by default: without a CA option the test CA (not a system CA) is refused', async () => {
    const t = transport(`nats://127.0.0.1:${USERS_PORT}`, { user: USER, password: PASSWORD });
    expect((await rejection(t.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a certificate for another name (serverName)', async () => {
    const t = transport(`nats://127.0.0.1:${USERS_PORT}`, {
      user: USER,
      password: PASSWORD,
      tls: { caFile: certs.ca, serverName: 'not-this-host.example' },
    });
    expect((await rejection(t.connect())).details).toEqual({ reason: 'tls' });
  });

  it('refuses a wrong password with a typed error naming neither the password nor the URL', async () => {
    const wrong = 'wr0ng pa/ss@word';
    const url = `nats://${USER}:${encodeURIComponent(wrong)}@127.0.0.1:${USERS_PORT}`;
    const error = await rejection(transport(url, { tls: { caFile: certs.ca } }).connect());
    expectConnectRefused(error, 'auth', [wrong, encodeURIComponent(wrong), url, 'wr0ng']);
  });

  it('rejects a URL whose password holds / or spaces without printing it', async () => {
    const secret = 'se cret/pw';
    let thrown: unknown;
    try {
      transport(`nats://${USER}:${secret}@127.0.0.1:${USERS_PORT}`, {});
      await open.at(-1)?.connect();
    } catch (error) {
      thrown = error;
    }
    expect(isPolybusError(thrown)).toBe(true);
    expectNoSecret(thrown, secret, 'se cret', 'cret/pw');
  });
});
