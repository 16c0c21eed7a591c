import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Builds the adapter (and core) to dist, so child processes run the current sources without a loader.
 * `tsc -b` is incremental: a no-op when dist is up to date, and a stale dist is never used.
 */
export function ensureBuilt(): void {
  execFileSync('npx', ['tsc', '-b', 'packages/adapter-mqtt'], { cwd: repoRoot, stdio: 'inherit' });
  if (!existsSync(`${packageRoot}dist/index.js`)) throw new Error('adapter-mqtt dist was not built');
}

/** A child process whose stdout lines can be awaited. */
export class LineProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  #waiters: Array<() => void> = [];
  #stderr = '';

  constructor(command: string, args: readonly string[]) {
    this.child = spawn(command, args, { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.child.on('exit', () => {
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** Resolves with the first line matching `pattern`; rejects after `timeoutMs` or when the child exits first. */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `child exited (${this.child.exitCode ?? this.child.signalCode}) before ${pattern}: ${this.#stderr}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line ${pattern} within ${timeoutMs} ms; stderr: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `signal` and resolves when the child has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
