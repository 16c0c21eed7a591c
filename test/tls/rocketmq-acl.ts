import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, watch, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, type TestCerts, type TestProcess, tempDir } from './processes.js';

/** A throwaway RocketMQ (name server + broker with its proxy in local mode) with ACL 2.0 authentication. */
export interface RocketmqAclServer {
  /** The proxy's gRPC port (what `rocketmq://` URLs name). */
  readonly proxyPort: number;
  readonly accessKey: string;
  readonly secretKey: string;
  /** A topic created before the broker started (gRPC clients cannot create topics). */
  readonly topic: string;
  /** Stops both JVMs (SIGTERM, then SIGKILL after 10 s) and removes the temp dir. Safe twice. */
  stop(): Promise<void>;
}

/** Options of {@link startRocketmqAcl}. */
export interface RocketmqAclOptions {
  readonly accessKey?: string;
  readonly secretKey?: string;
  /**
   * Serve the proxy's gRPC port with TLS only (`tls.server.mode=enforcing`), with the server
   * certificate and key of these certs (the key converted to PKCS8, which the proxy requires).
   */
  readonly tls?: TestCerts;
}

/** Ports of {@link startRocketmqAcl}: the broker also binds `brokerPort - 2` and `brokerPort + 1`. */
export interface RocketmqAclPorts {
  readonly namesrv: number;
  readonly broker: number;
  readonly proxy: number;
  readonly proxyRemoting: number;
}

const run = promisify(execFile);
const AUTH_PROVIDER = 'org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider';

/**
 * Resolves once `file` contains a match of `pattern` (re-read on every change in its directory);
 * rejects after `timeoutMs`.
 */
async function logged(file: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const changes = watch(dirname(file), { signal: abort.signal })[Symbol.asyncIterator]();
  const found = async (): Promise<boolean> => pattern.test(await readFile(file, 'utf8').catch(() => ''));
  try {
    // watching from the first next() on: no change between a read and the wait is lost
    const ask = () => {
      const next = changes.next();
      next.catch(() => undefined); // the one pending when the pattern is found rejects on abort
      return next;
    };
    let next = ask();
    while (!(await found())) {
      if ((await next).done) break;
      next = ask();
    }
    if (!abort.signal.aborted) return;
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(`${file} did not log ${pattern} within ${timeoutMs} ms`);
}

/**
 * Starts a name server and a broker + gRPC proxy (`ProxyStartup -pm local`) from the RocketMQ jars in
 * `libs` (scripts/brokers.sh fetches them), in a temp dir — never the shared one on 18081/19876 —
 * with ACL 2.0 authentication on broker and proxy (`authenticationEnabled`, one super user made by
 * `initAuthenticationUser`, the proxy reading users from the broker) and one topic written to the
 * store's `topics.json` before start. Authorization is off: the test is about who may connect.
 * Resolves once the broker has registered its topics with the name server (a route query before
 * that finds no route). With `options.tls` the proxy's gRPC port accepts TLS only.
 * Slow (two JVMs, ~20-40 s): one instance per test file.
 */
export async function startRocketmqAcl(
  libs: string,
  ports: RocketmqAclPorts,
  options: RocketmqAclOptions = {},
): Promise<RocketmqAclServer> {
  const { accessKey = 'polybus-acl', secretKey = 'rmq s3cret/with@odd chars', tls } = options;
  const dir = await tempDir('rocketmq-acl');
  const tlsKey = join(dir, 'server-pkcs8.key');
  if (tls !== undefined)
    await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', tls.serverKey, '-out', tlsKey]);
  const store = join(dir, 'store');
  const topic = 'polybus_acl_topic';
  await mkdir(join(store, 'config'), { recursive: true });
  await writeFile(
    join(store, 'config', 'topics.json'),
    JSON.stringify({
      dataVersion: { counter: 1, stateVersion: 0, timestamp: Date.now() },
      topicConfigTable: {
        [topic]: {
          topicName: topic,
          readQueueNums: 2,
          writeQueueNums: 2,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
          attributes: {},
        },
      },
    }),
  );
  const credentials = JSON.stringify({ accessKey, secretKey });
  const namesrvAddr = `127.0.0.1:${ports.namesrv}`;
  await writeFile(join(dir, 'namesrv.conf'), `listenPort=${ports.namesrv}\nbindAddress=127.0.0.1\n`);
  await writeFile(
    join(dir, 'broker.conf'),
    [
      'brokerClusterName=PolybusAclCluster',
      'brokerName=polybus-acl-broker',
      'brokerId=0',
      'brokerIP1=127.0.0.1',
      'bindAddress=127.0.0.1',
      `listenPort=${ports.broker}`,
      `namesrvAddr=${namesrvAddr}`,
      `storePathRootDir=${store}`,
      `storePathCommitLog=${join(store, 'commitlog')}`,
      'autoCreateSubscriptionGroup=true',
      'mappedFileSizeCommitLog=16777216',
      'mappedFileSizeConsumeQueue=600000',
      'authenticationEnabled=true',
      `authenticationProvider=${AUTH_PROVIDER}`,
      'authenticationMetadataProvider=org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider',
      `initAuthenticationUser=${JSON.stringify({ username: accessKey, password: secretKey })}`,
      `innerClientAuthenticationCredentials=${credentials}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'proxy.json'),
    JSON.stringify({
      rocketMQClusterName: 'PolybusAclCluster',
      namesrvAddr,
      grpcServerPort: ports.proxy,
      remotingListenPort: ports.proxyRemoting,
      authenticationEnabled: true,
      authenticationProvider: AUTH_PROVIDER,
      // local mode: the proxy reads users from the broker (its own Local provider has none)
      authenticationMetadataProvider: 'org.apache.rocketmq.proxy.auth.ProxyAuthenticationMetadataProvider',
      innerClientAuthenticationCredentials: credentials,
      // tlsTestModeEnable (default true) would serve a self-signed certificate of its own
      ...(tls === undefined
        ? {}
        : { tlsTestModeEnable: false, tlsCertPath: tls.serverCert, tlsKeyPath: tlsKey }),
    }),
  );
  const java = (heap: string[], main: string, args: string[]): string[] => [
    ...heap,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Duser.home=${dir}`,
    `-Drocketmq.home.dir=${dir}`,
    '-cp',
    `${libs}/*`,
    main,
    ...args,
  ];
  const env = { ...process.env, ROCKETMQ_HOME: dir };
  const started: TestProcess[] = [];
  const stop = async (): Promise<void> => {
    // broker first (it unregisters from the name server), then the name server
    for (const proc of started.splice(0).reverse()) await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    started.push(
      await startProcess(
        'java',
        java(['-Xms32m', '-Xmx96m'], 'org.apache.rocketmq.namesrv.NamesrvStartup', [
          '-c',
          join(dir, 'namesrv.conf'),
        ]),
        /Name Server boot success/,
        { env, cwd: dir, timeoutMs: 90_000 },
      ),
    );
    started.push(
      await startProcess(
        'java',
        java(
          [
            '-Xms96m',
            '-Xmx256m',
            '-XX:MaxDirectMemorySize=128m',
            ...(tls === undefined ? [] : ['-Dtls.server.mode=enforcing']),
          ],
          'org.apache.rocketmq.proxy.ProxyStartup',
          [
            '-pm',
            'local',
            '-bc',
            join(dir, 'broker.conf'),
            '-pc',
            join(dir, 'proxy.json'),
            '-n',
            namesrvAddr,
          ],
        ),
        /rocketmq-proxy startup successfully/,
        { env, cwd: dir, timeoutMs: 150_000 },
      ),
    );
    await logged(
      join(dir, 'logs', 'rocketmqlogs', 'broker.log'),
      /Registering current broker to name server completed/,
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { proxyPort: ports.proxy, accessKey, secretKey, topic, stop };
}
