import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { RocketmqTransport, type RocketmqTransportOptions, rocketmqOptionsSchema } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');

/** The local test proxy (scripts/brokers.sh rocketmq) and its name server. */
export const ROCKETMQ_HOST = '127.0.0.1';
export const ROCKETMQ_PROXY_PORT = 18081;
export const ROCKETMQ_URL = `rocketmq://${ROCKETMQ_HOST}:${ROCKETMQ_PROXY_PORT}`;
export const ROCKETMQ_NAMESRV = `${ROCKETMQ_HOST}:19876`;

/** A new unconnected transport for the test proxy. */
export function rocketmqTransport(overrides: Partial<RocketmqTransportOptions> = {}): RocketmqTransport {
  return new RocketmqTransport(ROCKETMQ_URL, rocketmqOptionsSchema.parse(overrides), silentLogger);
}

/** The RocketMQ jars scripts/brokers.sh fetched (the same version it runs). */
export function rocketmqLibs(): string {
  const version = readFileSync(join(repo, 'scripts', 'rocketmq', 'version'), 'utf8').trim();
  const cache = process.env.POLYBUS_CACHE ?? join(homedir(), '.cache', 'polybus');
  return join(cache, `rocketmq-${version}`, 'libs');
}

const TOOL_SOURCE = join(here, 'java', 'RocketmqTool.java');
let compiled: Promise<string> | undefined;

/** Compiles test/java/RocketmqTool.java once per source version; resolves with its class directory. */
function toolClasses(): Promise<string> {
  compiled ??= (async () => {
    const hash = createHash('sha256').update(readFileSync(TOOL_SOURCE)).digest('hex').slice(0, 12);
    const out = join(tmpdir(), `polybus-rocketmq-tool-${hash}`);
    if (!existsSync(join(out, 'RocketmqTool.class'))) {
      await mkdir(out, { recursive: true });
      await run('javac', ['-nowarn', '-d', out, '-cp', `${rocketmqLibs()}/*`, TOOL_SOURCE], 120_000);
    }
    return out;
  })();
  return compiled;
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, LC_ALL: 'C.UTF-8' }; // Java reads arguments and writes output as UTF-8
    execFile(
      command,
      args,
      { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args[0]} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Runs RocketmqTool (RocketMQ's own Java client and admin tools, remoting protocol) with `args`;
 * resolves with its standard output. See test/java/RocketmqTool.java for the commands.
 */
export async function rocketmqTool(args: string[], timeoutMs = 120_000): Promise<string> {
  const classes = await toolClasses();
  return run(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      `${classes}:${rocketmqLibs()}/*`,
      'RocketmqTool',
      ...args,
    ],
    timeoutMs,
  );
}

/** Creates the topics (4 queues each) through the admin API. */
export async function createTopics(topics: readonly string[]): Promise<void> {
  await rocketmqTool(['topics', ROCKETMQ_NAMESRV, ...topics]);
}

/**
 * Hands out fresh topics, creating them in batches (one JVM start per batch rather than per topic):
 * the gRPC API the adapter speaks cannot create topics.
 */
export class TopicPool {
  readonly #batch: number;
  #ready: string[] = [];
  #filling: Promise<void> | undefined;

  constructor(batch = 24) {
    this.#batch = batch;
  }

  /** A topic nobody has used, created on the broker. */
  async topic(): Promise<string> {
    while (this.#ready.length === 0) {
      this.#filling ??= this.#fill().finally(() => {
        this.#filling = undefined;
      });
      await this.#filling;
    }
    return this.#ready.shift()!;
  }

  async #fill(): Promise<void> {
    const base = uniqueName('pbr').replace(/[^A-Za-z0-9_-]/g, '_');
    const topics = Array.from({ length: this.#batch }, (_, i) => `${base}-${i}`);
    await createTopics(topics);
    this.#ready.push(...topics);
  }
}
