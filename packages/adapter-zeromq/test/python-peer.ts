import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: `python3` on PATH may be a pyenv build without the apt module. */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/peer.py', import.meta.url));

/**
 * True when Debian's python3-zmq is importable. When it is not: with `POLYBUS_REQUIRE_BROKERS=1` (CI)
 * throws, failing the run; otherwise prints how to install it and returns false so the caller skips.
 */
export function requirePythonZmq(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import zmq'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const hint = `${PYTHON} cannot import zmq; install it with: apt-get install -y python3-zmq`;
  if (process.env.POLYBUS_REQUIRE_BROKERS === '1') throw new Error(`required interop peer missing: ${hint}`);
  console.warn(`[polybus] skipping python3-zmq interop tests: ${hint}`);
  return false;
}

/** One run of test/python/peer.py, with its stdout read line by line. */
export class PythonPeer {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcessWithoutNullStreams;
  #stderr = '';
  #waiters: Array<() => void> = [];

  constructor(args: readonly string[]) {
    this.#child = spawn(PYTHON, ['-u', SCRIPT, ...args]);
    let partial = '';
    this.#child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Resolves with the first line matching `match` (seen already or later); rejects on exit or timeout. */
  async line(match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (this.#child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `python peer: no matching line (exit ${this.#child.exitCode}); stderr: ${this.#stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Writes one line to the peer's stdin. */
  send(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** Closes stdin and waits for the exit code (kills the peer after `timeoutMs`). */
  async stop(timeoutMs = 5_000): Promise<number | null> {
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  get stderr(): string {
    return this.#stderr;
  }
}
