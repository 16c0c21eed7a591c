import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, type TestCerts, tempDir } from './processes.js';

const run = promisify(execFile);
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

/** A second RabbitMQ node a test started, with only a TLS listener. */
export interface RabbitTlsServer {
  /** The TLS (amqps) port. */
  readonly port: number;
  /** PLAIN user, also the client certificate's CN (so EXTERNAL maps to it). */
  readonly user: string;
  readonly password: string;
  readonly nodeName: string;
  stop(): Promise<void>;
}

/**
 * Starts a separate RabbitMQ node `polybus-tls-<pid>@localhost` (never the shared `rabbit@localhost`):
 * its own HOME (Erlang cookie), Mnesia and log dirs, config and enabled-plugins file in a temp dir; a
 * TLS listener on 127.0.0.1:`port` (no plain listener), distribution on `distPort` (`distPort + 1` is
 * reserved as the unused node port); PLAIN and
 * EXTERNAL (`rabbitmq_auth_mechanism_ssl`, user from the certificate's CN) with one user
 * `polybus-client`. Stop it with `stop()` (rabbitmqctl stop, then SIGTERM/SIGKILL).
 */
export async function startRabbitTls(
  port: number,
  distPort: number,
  certs: TestCerts,
  password = 'rabbit s3cret/with@odd chars',
): Promise<RabbitTlsServer> {
  const dir = await tempDir('rabbit-tls');
  await chmod(dir, 0o700);
  const nodeName = `polybus-tls-${process.pid}@localhost`;
  const user = 'polybus-client';
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_auth_mechanism_ssl].\n');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [
      'listeners.tcp = none',
      `listeners.ssl.default = 127.0.0.1:${port}`,
      `ssl_options.cacertfile = ${certs.ca}`,
      `ssl_options.certfile = ${certs.serverCert}`,
      `ssl_options.keyfile = ${certs.serverKey}`,
      'ssl_options.verify = verify_peer',
      'ssl_options.fail_if_no_peer_cert = false',
      'auth_mechanisms.1 = PLAIN',
      'auth_mechanisms.2 = EXTERNAL',
      'ssl_cert_login_from = common_name',
      'loopback_users = none',
      `default_user = ${user}`,
      `default_pass = ${password}`,
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: nodeName,
    // No plain listener is configured; the node port is set only so no default (5672) is assumed.
    RABBITMQ_NODE_PORT: String(distPort + 1),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    RABBITMQ_LOGS: '-',
  };
  const proc = await startProcess(`${RABBIT_BIN}/rabbitmq-server`, [], /Server startup complete/, {
    env,
    cwd: dir,
    timeoutMs: 120_000,
  });
  return {
    port,
    user,
    password,
    nodeName,
    stop: async () => {
      await run(`${RABBIT_BIN}/rabbitmqctl`, ['-n', nodeName, 'stop'], { env, timeout: 60_000 }).catch(
        () => undefined,
      );
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
