import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerAvailable } from '@polybus/core/testing';

/**
 * A Mosquitto of a test's own (never the shared one): its own port, a temp config with
 * `persistence true` and a temp persistence dir. `stop()` sends SIGTERM (Mosquitto saves its
 * persistence file then) and `start()` again reuses the same dir.
 */
export class OwnMosquitto {
  readonly port: number;
  readonly dir: string;
  readonly #config: string;
  #process: ChildProcess | undefined;
  #log = '';

  constructor(port: number, extraConfig: readonly string[] = []) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'pb-mosquitto-'));
    this.#config = join(this.dir, 'mosquitto.conf');
    writeFileSync(
      this.#config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${this.dir}/`,
        // Started as root, Mosquitto would drop to the `mosquitto` user, who cannot write the temp dir.
        'user root',
        'log_dest stderr',
        ...extraConfig,
        '',
      ].join('\n'),
    );
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts the broker and resolves once it accepts connections (rejects after 20 s). */
  async start(): Promise<void> {
    if (await brokerAvailable('127.0.0.1', this.port, 500)) {
      throw new Error(`port ${this.port} is already in use: cannot start a test Mosquitto there`);
    }
    const child = spawn('mosquitto', ['-c', this.#config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#log += chunk;
    });
    this.#process = child;
    const deadline = Date.now() + 20_000;
    while (!(await brokerAvailable('127.0.0.1', this.port, 500))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${this.#log}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (Mosquitto writes its persistence file) and resolves when the process has exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the broker and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What the broker wrote to stderr (for failure messages). */
  get log(): string {
    return this.#log;
  }
}
