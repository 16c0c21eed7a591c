import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTestCerts,
  type RocketmqAclServer,
  startRocketmqAcl,
  type TestCerts,
} from '../../../test/tls/index.js';
import { rocketmqLibs } from './rocketmq-test-env.js';

/**
 * Ports of this file's own RocketMQ with a TLS-only proxy (security test range 16000-16099): name
 * server, broker (which also binds 16072 and 16075), proxy gRPC and proxy remoting. Never the
 * shared 18081/19876, nor acl-auth.test.ts's 16060-16067.
 */
const PORTS = { namesrv: 16070, broker: 16074, proxy: 16076, proxyRemoting: 16077 };

const CLIENT = fileURLToPath(new URL('./tls-client.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const available = existsSync(rocketmqLibs());
if (!available && process.env.POLYBUS_REQUIRE_BROKERS === '1')
  throw new Error('POLYBUS_REQUIRE_BROKERS=1 but no RocketMQ jars are cached (scripts/brokers.sh)');

/** What tls-client.mjs printed, its exit code and its standard error. */
interface ClientRun {
  readonly exitCode: number;
  readonly result: {
    connected?: boolean;
    connectMs: number;
    id?: string;
    body?: string;
    error?: {
      name: string;
      code: string;
      retriable: boolean;
      details: Record<string, unknown>;
      message: string;
      text: string;
      health: { state: string; detail?: string };
    };
  };
  /** Everything the child wrote (stdout and stderr). */
  readonly output: string;
}

/**
 * Runs tls-client.mjs in a child node with `job` and only the CA variables of `caEnv`: the
 * machine's own GRPC_DEFAULT_SSL_ROOTS_FILE_PATH / NODE_EXTRA_CA_CERTS are not passed on.
 */
function runClient(job: Record<string, unknown>, caEnv: Record<string, string> = {}): Promise<ClientRun> {
  const { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: _g, NODE_EXTRA_CA_CERTS: _n, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLIENT],
      { env: { ...env, ...caEnv, POLYBUS_TLS_JOB: JSON.stringify(job) }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve({ exitCode, result: JSON.parse(line), output: `${stdout}\n${stderr}` });
        } catch {
          reject(new Error(`tls-client.mjs printed no result (exit ${exitCode}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

describe.runIf(available)('rocketmq over TLS (own name server, broker and TLS-only proxy)', () => {
  let certs: TestCerts;
  let server: RocketmqAclServer;
  let job: { url: string; accessKey: string; secretKey: string };

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
    certs = await makeTestCerts();
    server = await startRocketmqAcl(rocketmqLibs(), PORTS, { tls: certs });
    job = {
      url: `rocketmqs://127.0.0.1:${PORTS.proxy}`,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
    };
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    await certs?.remove();
  }, 60_000);

  it('with the CA in NODE_EXTRA_CA_CERTS: connects, publishes and receives one message over rocketmqs://', async () => {
    const id = uniqueName('tls-msg');
    const run = await runClient(
      {
        ...job,
        topic: server.topic,
        group: uniqueName('tls').replace(/[^\w-]/g, '_'),
        roundTrip: true,
        id,
      },
      { NODE_EXTRA_CA_CERTS: certs.ca },
    );
    expect(run.result.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.result).toMatchObject({ connected: true, id, body: 'over tls' });
    // the certificate names localhost too; GRPC_DEFAULT_SSL_ROOTS_FILE_PATH (grpc-js's own) works as well
    const byName = await runClient(
      { ...job, url: `rocketmqs://localhost:${PORTS.proxy}` },
      { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certs.ca },
    );
    expect(byName.result).toMatchObject({ connected: true });
    expect(byName.exitCode).toBe(0);
  }, 60_000);

  it('without the CA (or with the wrong one): connect fails at once, not retriable, naming no secret', async () => {
    const encoded = encodeURIComponent(server.secretKey);
    const withUserinfo = `rocketmqs://${server.accessKey}:${encoded}@127.0.0.1:${PORTS.proxy}`;
    const runs = await Promise.all([
      runClient(job),
      runClient({ url: withUserinfo }),
      runClient(job, { NODE_EXTRA_CA_CERTS: certs.wrongCa }),
      // GRPC_DEFAULT_SSL_ROOTS_FILE_PATH replaces the roots: NODE_EXTRA_CA_CERTS then has no effect
      runClient(job, { NODE_EXTRA_CA_CERTS: certs.ca, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certs.wrongCa }),
    ]);
    for (const run of runs) {
      expect(run.exitCode).toBe(2);
      expect(run.result.connectMs).toBeLessThan(5_000);
      expect(run.result.error).toMatchObject({
        name: 'ConnectionError',
        code: 'CONNECTION_FAILED',
        retriable: false,
        details: { reason: 'tls', rocketmqCode: 14 },
        health: { state: 'down', detail: 'connect failed: TLS server certificate not trusted' },
      });
      expect(run.result.error?.message).toMatch(
        /^rocketmq: cannot ask rocketmqs:\/\/(\*\*\*@)?127\.0\.0\.1:16076 for a route: TLS server certificate not trusted \(14 UNAVAILABLE: .*unable to verify the first certificate/,
      );
      for (const secret of [server.secretKey, encoded, withUserinfo, 'with@odd'])
        expect(run.output).not.toContain(secret);
    }
  }, 60_000);

  it('plain rocketmq:// against the TLS-only port fails at connect with a hint to use rocketmqs://', async () => {
    const run = await runClient({ ...job, url: `rocketmq://127.0.0.1:${PORTS.proxy}` });
    expect(run.exitCode).toBe(2);
    expect(run.result.connectMs).toBeLessThan(5_000);
    expect(run.result.error).toMatchObject({
      code: 'CONNECTION_FAILED',
      retriable: true,
      details: { rocketmqCode: 14 },
      health: { state: 'down', detail: 'connect failed' },
    });
    expect(run.result.error?.message).toContain('if the proxy requires TLS, use rocketmqs://');
    expect(run.output).not.toContain(server.secretKey);
  }, 60_000);
});
