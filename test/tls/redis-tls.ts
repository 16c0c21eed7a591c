import { startProcess, stopAndRemove, type TestCerts, tempDir } from './processes.js';

/** A TLS-only Redis a test started: ACL user `user` with `password`; the default user is off. */
export interface RedisTlsServer {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` listening only on TLS port `port` (127.0.0.1), client certificates optional,
 * persistence off, data in a temp dir, with the ACL user `user` (all commands and keys) and the
 * `default` user disabled. Stop it with `stop()`.
 */
export async function startRedisTls(
  port: number,
  certs: TestCerts,
  user = 'polybus',
  password = 'redis s3cret/with@odd chars',
): Promise<RedisTlsServer> {
  const dir = await tempDir('redis-tls');
  const proc = await startProcess(
    'redis-server',
    [
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      certs.serverCert,
      '--tls-key-file',
      certs.serverKey,
      '--tls-ca-cert-file',
      certs.ca,
      '--tls-auth-clients',
      'optional',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--user',
      'default',
      'off',
      '--user',
      user,
      'on',
      `>${password}`,
      '~*',
      '&*',
      '+@all',
    ],
    /Ready to accept connections/,
  );
  return {
    port,
    user,
    password,
    stop: stopAndRemove(proc, dir),
  };
}
