import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, stopAndRemove, type TestCerts, tempDir } from './processes.js';

const run = promisify(execFile);

/**
 * `bin/artemis` of the newest Artemis distribution `scripts/brokers.sh` fetched into the cache
 * (`$POLYBUS_CACHE`, default `~/.cache/polybus`), or undefined when there is none.
 */
export function artemisCli(): string | undefined {
  const cache = process.env.POLYBUS_CACHE ?? join(homedir(), '.cache', 'polybus');
  if (!existsSync(cache)) return undefined;
  for (const dir of readdirSync(cache)
    .filter((d) => d.startsWith('artemis-'))
    .sort()
    .reverse()) {
    const cli = join(cache, dir, `apache-${dir}`, 'bin', 'artemis');
    if (existsSync(cli)) return cli;
  }
  return undefined;
}

/** A throwaway Artemis a test started: one AMQP acceptor with TLS, logins required. */
export interface ArtemisTlsServer {
  readonly port: number;
  /** The acceptor that also requires a client certificate signed by the test CA, if one was asked for. */
  readonly mutualPort: number | undefined;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** Where the client-certificate acceptor of {@link withTlsAcceptor} listens and what it trusts. */
export interface MutualAcceptor {
  readonly port: number;
  /** PKCS12 trust store holding the CA that signs client certificates. */
  readonly trustStore: string;
  readonly trustStorePassword: string;
}

/**
 * broker.xml with every acceptor replaced by one AMQP-over-TLS acceptor on 127.0.0.1:`port`, plus,
 * with `mutual`, a second one on `mutual.port` with `needClientAuth=true`. Pure.
 */
export function withTlsAcceptor(
  brokerXml: string,
  port: number,
  keyStore: string,
  keyStorePassword: string,
  mutual?: MutualAcceptor,
): string {
  const tls = `protocols=AMQP;sslEnabled=true;keyStorePath=${keyStore};keyStorePassword=${keyStorePassword};keyStoreType=PKCS12`;
  const acceptors = [`<acceptor name="amqps">tcp://127.0.0.1:${port}?${tls}</acceptor>`];
  if (mutual !== undefined)
    acceptors.push(
      `<acceptor name="amqps-mutual">tcp://127.0.0.1:${mutual.port}?${tls};needClientAuth=true;trustStorePath=${mutual.trustStore};trustStorePassword=${mutual.trustStorePassword};trustStoreType=PKCS12</acceptor>`,
    );
  const replaced = brokerXml.replace(
    /<acceptors>[\s\S]*?<\/acceptors>/,
    `<acceptors>\n         ${acceptors.join('\n         ')}\n      </acceptors>`,
  );
  if (!replaced.includes('name="amqps"')) throw new Error('no <acceptors> in broker.xml');
  return replaced;
}

/**
 * Creates (`artemis create`, ~10 s) and starts (~15-30 s) an Artemis instance in a temp dir — never
 * the shared one on 5673: only an AMQP acceptor with TLS on 127.0.0.1:`port` (a PKCS12 key store made
 * with openssl from the test server certificate), `--require-login` with one user, no web console,
 * a small heap. With `mutualPort`, a second TLS acceptor there requires a client certificate
 * signed by the test CA (a PKCS12 trust store made with keytool). Slow: one instance per test
 * file. Stop it with `stop()` (SIGTERM to the JVM).
 */
export async function startArtemisTls(
  port: number,
  certs: TestCerts,
  user = 'polybus',
  password = 'artemis s3cret/with@odd chars',
  mutualPort?: number,
): Promise<ArtemisTlsServer> {
  const cli = artemisCli();
  if (cli === undefined)
    throw new Error('no Artemis distribution in the cache: run scripts/brokers.sh start artemis');
  const dir = await tempDir('artemis-tls');
  const keyStore = join(dir, 'server.p12');
  const keyStorePassword = 'keystore-pass';
  await run('openssl', [
    'pkcs12',
    '-export',
    '-in',
    certs.serverCert,
    '-inkey',
    certs.serverKey,
    '-out',
    keyStore,
    '-name',
    'server',
    '-passout',
    `pass:${keyStorePassword}`,
  ]);
  let mutual: MutualAcceptor | undefined;
  if (mutualPort !== undefined) {
    mutual = { port: mutualPort, trustStore: join(dir, 'trust.p12'), trustStorePassword: keyStorePassword };
    await run('keytool', [
      '-importcert',
      '-noprompt',
      '-alias',
      'test-ca',
      '-file',
      certs.ca,
      '-keystore',
      mutual.trustStore,
      '-storetype',
      'PKCS12',
      '-storepass',
      keyStorePassword,
    ]);
  }
  const instance = join(dir, 'instance');
  await run(
    cli,
    [
      'create',
      instance,
      '--silent',
      '--name',
      'polybus-tls',
      '--user',
      user,
      '--password',
      password,
      '--role',
      'amq',
      '--require-login',
      '--host',
      '127.0.0.1',
      '--no-web',
      '--no-hornetq-acceptor',
      '--no-mqtt-acceptor',
      '--no-stomp-acceptor',
      '--no-autotune',
      '--nio',
      '--java-memory',
      '256M',
    ],
    { timeout: 120_000 },
  );
  const xml = join(instance, 'etc', 'broker.xml');
  await writeFile(
    xml,
    withTlsAcceptor(await readFile(xml, 'utf8'), port, keyStore, keyStorePassword, mutual),
  );
  // the profile's -Xms512M would exceed the -Xmx256M asked for
  const profile = join(instance, 'etc', 'artemis.profile');
  await writeFile(profile, (await readFile(profile, 'utf8')).replace('-Xms512M', '-Xms64M'));
  const proc = await startProcess(join(instance, 'bin', 'artemis'), ['run'], /AMQ221007/, {
    cwd: dir,
    timeoutMs: 180_000,
  });
  return {
    port,
    mutualPort,
    user,
    password,
    stop: stopAndRemove(proc, dir),
  };
}
