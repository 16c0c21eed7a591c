import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, stopAndRemove, type TestCerts, tempDir } from './processes.js';

const run = promisify(execFile);

/** A second Mosquitto a test started: TLS only, no anonymous clients, one user from a password file. */
export interface MosquittoTlsServer {
  /** TLS listener; client certificates not requested. */
  readonly port: number;
  /** TLS listener that requires a client certificate signed by the test CA (and the password too). */
  readonly mutualPort: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** The mosquitto.conf text: two TLS listeners on 127.0.0.1 sharing one password file. Pure. */
export function mosquittoTlsConfig(
  port: number,
  mutualPort: number,
  certs: TestCerts,
  passwordFile: string,
): string {
  const tls = [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`];
  return [
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${passwordFile}`,
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // started as root, Mosquitto would switch to the `mosquitto` user, who cannot read the temp dir
    'user root',
    `listener ${port} 127.0.0.1`,
    ...tls,
    `listener ${mutualPort} 127.0.0.1`,
    ...tls,
    'require_certificate true',
    '',
  ].join('\n');
}

/**
 * Starts `mosquitto` (never the shared one on 1883) with TLS listeners on `port` and `mutualPort`
 * (the latter requires a client certificate), `allow_anonymous false` and one user in a password file
 * made by `mosquitto_passwd`; config and password file live in a temp dir. Stop it with `stop()`.
 */
export async function startMosquittoTls(
  port: number,
  mutualPort: number,
  certs: TestCerts,
  user = 'polybus',
  password = 'mqtt s3cret/with@odd chars',
): Promise<MosquittoTlsServer> {
  const dir = await tempDir('mosquitto-tls');
  const passwordFile = join(dir, 'passwd');
  await run('mosquitto_passwd', ['-b', '-c', passwordFile, user, password]);
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, mosquittoTlsConfig(port, mutualPort, certs, passwordFile));
  const proc = await startProcess('mosquitto', ['-c', conf], /mosquitto version \S+ running/, {
    timeoutMs: 20_000,
  });
  return {
    port,
    mutualPort,
    user,
    password,
    stop: stopAndRemove(proc, dir),
  };
}
