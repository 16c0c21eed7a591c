import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAKE_CERTS = fileURLToPath(new URL('../../scripts/tls/make-certs.sh', import.meta.url));

/** Paths of the throwaway TLS material `scripts/tls/make-certs.sh` writes. */
export interface TestCerts {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here: trusting only it must fail verification. */
  readonly wrongCa: string;
  /** Removes the directory. Safe to call twice. */
  remove(): Promise<void>;
}

/** Generates a fresh CA, server certificate (localhost, 127.0.0.1, ::1), client certificate and wrong CA. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'polybus-tls-'));
  await run('bash', [MAKE_CERTS, dir]);
  const f = (name: string): string => join(dir, name);
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    wrongCa: f('wrong-ca.pem'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A broker process a test started; {@link stop} ends it. */
export interface TestProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Spawns `command` and resolves once its output matches `ready`; rejects (after killing it) when it
 * exits first or `timeoutMs` passes, with its output in the message.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<TestProcess> {
  const child = spawn(command, [...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: TestProcess = {
    child,
    output: () => text,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void handle.stop();
      reject(new Error(`${command} not ready after ${options.timeoutMs ?? 60_000} ms:\n${text}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before it was ready:\n${text}`));
    });
  });
}

/** A fresh temp directory for a broker's data; remove it with `rm` when done. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `polybus-${prefix}-`));
}

/** `stop` for a broker a helper started: stops `proc`, then removes its temp `dir`. Safe to call twice. */
export function stopAndRemove(proc: TestProcess, dir: string): () => Promise<void> {
  return async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
