import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, stopAndRemove, type TestCerts, tempDir } from './processes.js';

/**
 * Who may connect to a test NATS server: users with passwords and NKEY users, one token, or operator
 * (JWT) mode with preloaded accounts (see `natsOperatorSetup`).
 */
export type NatsAuthorization =
  | { readonly users: readonly { user: string; password: string }[]; readonly nkeys?: readonly string[] }
  | { readonly token: string }
  | { readonly operatorJwt: string; readonly accounts: Readonly<Record<string, string>> };

/** A TLS NATS server a test started. */
export interface NatsTlsServer {
  readonly port: number;
  stop(): Promise<void>;
}

const quote = (s: string): string => JSON.stringify(s);

/** The nats-server config text for TLS on `port` with `authorization`. Pure. */
export function natsTlsConfig(port: number, certs: TestCerts, auth: NatsAuthorization): string {
  const authorization =
    'operatorJwt' in auth
      ? [
          `operator: ${quote(auth.operatorJwt)}`,
          'resolver: MEMORY',
          `resolver_preload: { ${Object.entries(auth.accounts)
            .map(([k, v]) => `${k}: ${quote(v)}`)
            .join(', ')} }`,
        ].join('\n')
      : 'token' in auth
        ? `authorization { token: ${quote(auth.token)} }`
        : `authorization { users: [\n${[
            ...auth.users.map((u) => `  { user: ${quote(u.user)}, password: ${quote(u.password)} }`),
            ...(auth.nkeys ?? []).map((k) => `  { nkey: ${quote(k)} }`),
          ].join('\n')}\n] }`;
  return [
    'host: 127.0.0.1',
    `port: ${port}`,
    'http: 0',
    `tls { cert_file: ${quote(certs.serverCert)}, key_file: ${quote(certs.serverKey)}, ca_file: ${quote(certs.ca)}, timeout: 5 }`,
    authorization,
    '',
  ].join('\n');
}

/** Starts `nats-server` (no JetStream) with TLS required on 127.0.0.1:`port` and `auth`. */
export async function startNatsTls(
  port: number,
  certs: TestCerts,
  auth: NatsAuthorization,
): Promise<NatsTlsServer> {
  const dir = await tempDir('nats-tls');
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, natsTlsConfig(port, certs, auth));
  const proc = await startProcess('nats-server', ['-c', conf], /Server is ready/);
  return {
    port,
    stop: stopAndRemove(proc, dir),
  };
}
