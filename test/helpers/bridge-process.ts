import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The built CLI the tests run (the root `npm test` builds it first). */
export const CLI = join(ROOT, 'packages/bridge/dist/cli.js');

/** Fails early with a clear hint when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npx tsc -b packages/bridge\` (or \`npm run build\`) first`);
}

/** Writes a config to a fresh temp dir and returns its path. */
export function writeConfig(text: string, name = 'polybus.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'polybus-e2e-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Result of a CLI command that ran to its end. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `polybus <args>` to completion (stdin: `input`, then closed). */
export function runCli(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  requireBuiltCli();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, POLYBUS_LOG_LEVEL: 'warn', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`polybus ${args.join(' ')} did not finish in time; stderr:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A running `polybus run` process. */
export class BridgeProcess {
  readonly lines: string[] = [];
  stderr = '';
  #partial = '';
  #waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;
  /** The exit code once the process has exited (null when killed by a signal), undefined while it runs. */
  exitCode: number | null | undefined;
  port: number | undefined;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      const text = this.#partial + d.toString();
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) if (line !== '') this.lines.push(line);
      this.#wake();
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.port === undefined) {
        const match = /"httpPort":(\d+)/.exec(this.stderr);
        if (match?.[1]) this.port = Number(match[1]);
      }
      this.#wake();
    });
    this.exited = new Promise((resolvePromise) =>
      child.on('close', (code) => {
        // Set before waking: a waiter checking for the exit must see it now, not a microtask later.
        this.exitCode = code;
        this.#wake();
        resolvePromise(code);
      }),
    );
  }

  /** Spawns `polybus run -c <config>` (plus `args`, e.g. `--workers 2`) and waits until it logs "bridge running". */
  static async start(
    config: string,
    options: { env?: Record<string, string>; timeoutMs?: number; args?: readonly string[] } = {},
  ): Promise<BridgeProcess> {
    requireBuiltCli();
    const args = [CLI, 'run', '-c', config, '--log-level', 'info', ...(options.args ?? [])];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
    });
    const bridge = new BridgeProcess(child);
    await bridge.until(
      () => bridge.stderr.includes('"msg":"bridge running"') || bridge.exitCode !== undefined,
      options.timeoutMs ?? 30_000,
      'bridge running',
    );
    if (bridge.exitCode !== undefined)
      throw new Error(`bridge exited with ${bridge.exitCode} during startup:\n${bridge.stderr}`);
    return bridge;
  }

  /**
   * With `--workers`: the pid of each worker slot's current process, from the supervisor's
   * `worker started` log lines (the latest per slot; a slot being restarted keeps its dead pid).
   */
  workerPids(): number[] {
    const pids: number[] = [];
    for (const line of this.stderr.split('\n')) {
      if (!line.includes('"msg":"worker started"')) continue;
      const worker = /"worker":(\d+)/.exec(line)?.[1];
      const pid = /"pid":(\d+)/.exec(line)?.[1];
      if (worker !== undefined && pid !== undefined) pids[Number(worker)] = Number(pid);
    }
    return pids;
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Resolves once `predicate` holds (re-checked on every output), or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolvePromise();
        } else this.#waiters.push(check);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; stdout lines: ${this.lines.length}; stderr tail:\n${this.stderr.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      check();
    });
  }

  /** Waits for at least `count` stdout lines. */
  waitForLines(count: number, timeoutMs = 30_000): Promise<void> {
    return this.until(() => this.lines.length >= count, timeoutMs, `${count} stdout lines`);
  }

  /** stdout lines parsed as JSON (for `format: json` stdio sinks). */
  json<
    T = { id: string; key?: string; headers: Record<string, string>; body: string; timestamp: number },
  >(): T[] {
    return this.lines.map((l) => JSON.parse(l) as T);
  }

  /** Writes lines to the bridge's stdin. */
  send(lines: readonly string[]): void {
    this.child.stdin.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** GETs a path of the bridge's HTTP server. */
  async get(path: string): Promise<{ status: number; text: string }> {
    if (this.port === undefined) throw new Error('bridge http port unknown');
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: response.status, text: await response.text() };
  }

  /** Value of one Prometheus sample (`name{a="b"}`), or 0 when absent. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { text } = await this.get('/metrics');
    return metricValue(text, name, labels);
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      this.exited,
      new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error(`bridge did not exit within ${timeoutMs} ms after ${signal}`);
    }
    return code;
  }

  /** Kills the process if it still runs (for afterEach). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Reads one sample from Prometheus text; labels must all match. 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (!matches) continue;
    found = true;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return found ? total : 0;
}
