import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';

/**
 * A throwaway single-node Kafka (KRaft) with a SASL_SSL listener, for the TLS and SASL tests: its own
 * data dir, CA and server certificate (openssl) under a temp dir, SCRAM users created at format time.
 * Ports 19092 (SASL_SSL, for clients), 19093 (controller), 19094 (inter-broker, plaintext, loopback).
 * Never touches the shared Kafka on 9092.
 */
export interface SecureKafka {
  /** `kafkas://127.0.0.1:19092`. */
  readonly url: string;
  /** PEM of the CA that signed the broker certificate. */
  readonly caPath: string;
  /** PEM of another CA, which did not. */
  readonly wrongCaPath: string;
  /** A SCRAM (SHA-256 and SHA-512) and PLAIN user. */
  readonly user: { readonly username: string; readonly password: string };
  /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and removes the temp dir. Safe twice. */
  stop(): Promise<void>;
}

const KAFKA_LIBS = join(
  process.env.POLYBUS_CACHE ?? join(homedir(), '.cache', 'polybus'),
  'kafka-3.9.1',
  'libs',
);
const CLIENT_PORT = 19092;
const CONTROLLER_PORT = 19093;
const INTERNAL_PORT = 19094;

/**
 * Whether this machine can run the instance: Kafka's jars (scripts/brokers.sh fetches them), java and
 * openssl. When not, prints why and returns false; with POLYBUS_REQUIRE_BROKERS=1 throws instead, so CI
 * never skips the suite silently.
 */
export function secureKafkaAvailable(): boolean {
  const missing: string[] = [];
  if (!existsSync(KAFKA_LIBS)) missing.push(`Kafka jars (${KAFKA_LIBS})`);
  for (const tool of ['java', 'openssl']) {
    try {
      execFileSync(tool, [tool === 'java' ? '-version' : 'version'], { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  if (missing.length === 0) return true;
  const why = `kafka TLS/SASL suite: missing ${missing.join(', ')}`;
  if (process.env.POLYBUS_REQUIRE_BROKERS === '1') throw new Error(why);
  console.warn(`${why}: skipped`);
  return false;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** Creates the CA, the wrong CA and the broker's key + certificate (SAN 127.0.0.1, localhost). */
function makeCertificates(dir: string): void {
  for (const name of ['test', 'wrong']) {
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=polybus ${name} CA`,
      '-keyout',
      `${name}-ca.key`,
      '-out',
      `${name}-ca.pem`,
    );
  }
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.pem',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  // Kafka's PEM keystore: an unencrypted PKCS#8 key followed by the certificate chain.
  openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.pk8');
  const keystore = [
    readFileSync(join(dir, 'server.pk8'), 'utf8'),
    readFileSync(join(dir, 'server.crt'), 'utf8'),
  ];
  writeFileSync(join(dir, 'server-keystore.pem'), keystore.join(''));
}

function javaTool(args: string[]): string {
  return execFileSync('java', ['-Xmx256m', '-Djava.awt.headless=true', '-cp', `${KAFKA_LIBS}/*`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Waits until the group coordinator answers (the first group use creates `__consumer_offsets`, which
 * takes a while on a fresh broker), so the tests see a ready broker.
 */
async function waitForCoordinator(
  caPath: string,
  user: { username: string; password: string },
  deadline: number,
): Promise<void> {
  const admin = new kafkajs.Kafka({
    clientId: 'polybus-tls-warmup',
    brokers: [`127.0.0.1:${CLIENT_PORT}`],
    ssl: { ca: readFileSync(caPath) },
    sasl: { mechanism: 'scram-sha-256', ...user },
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    for (;;) {
      try {
        await admin.connect();
        await admin.fetchOffsets({ groupId: 'polybus-tls-warmup', topics: [] });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Starts the instance and resolves once the broker reports it started (up to `timeoutMs`); rejects (after
 * cleaning up) otherwise. Call {@link SecureKafka.stop} when done (afterAll).
 */
export async function startSecureKafka(timeoutMs = 180_000): Promise<SecureKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'polybus-kafka-tls-'));
  const user = { username: 'polybus-tls-user', password: `pw-${process.pid}-${Date.now().toString(36)}` };
  let child: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    makeCertificates(dir);
    const props = join(dir, 'server.properties');
    const jaas = (module: string, extra = '') =>
      `org.apache.kafka.common.security.${module} required${extra};`;
    writeFileSync(
      props,
      [
        'node.id=1',
        'process.roles=broker,controller',
        `listeners=SASL_SSL://127.0.0.1:${CLIENT_PORT},INTERNAL://127.0.0.1:${INTERNAL_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}`,
        `advertised.listeners=SASL_SSL://127.0.0.1:${CLIENT_PORT},INTERNAL://127.0.0.1:${INTERNAL_PORT}`,
        'listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=INTERNAL',
        'controller.listener.names=CONTROLLER',
        `controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}`,
        'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
        `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
        `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
        `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${user.username}="${user.password}"`)}`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${join(dir, 'server-keystore.pem')}`,
        `log.dirs=${join(dir, 'data')}`,
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=1',
        'num.io.threads=2',
        '',
      ].join('\n'),
    );
    // Problems, plus the line that says the server started (awaited below).
    const log4j = join(dir, 'log4j.properties');
    writeFileSync(
      log4j,
      [
        'log4j.rootLogger=WARN, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka.server.KafkaRaftServer=INFO',
        '',
      ].join('\n'),
    );
    const clusterId = javaTool(['kafka.tools.StorageTool', 'random-uuid']).trim().split('\n').pop()!;
    const scram = `name=${user.username},password=${user.password}`;
    javaTool([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      props,
      '--add-scram',
      `SCRAM-SHA-256=[${scram}]`,
      '--add-scram',
      `SCRAM-SHA-512=[${scram}]`,
    ]);
    child = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx384m',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${log4j}`,
        '-cp',
        `${KAFKA_LIBS}/*`,
        'kafka.Kafka',
        props,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-200_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const deadline = Date.now() + timeoutMs;
    while (!/Kafka Server started/.test(output)) {
      if (child.exitCode !== null)
        throw new Error(`secure kafka exited (${child.exitCode}):\n${output.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`secure kafka did not start in time:\n${output.slice(-3000)}`);
      await sleep(250);
    }
    await waitForCoordinator(join(dir, 'test-ca.pem'), user, deadline);
    return {
      url: `kafkas://127.0.0.1:${CLIENT_PORT}`,
      caPath: join(dir, 'test-ca.pem'),
      wrongCaPath: join(dir, 'wrong-ca.pem'),
      user,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
