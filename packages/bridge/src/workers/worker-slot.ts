import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClosedError, PolybusError, TimeoutError } from '@polybus/core';
import type { BridgeConfig } from '../config/schema.js';
import type { WorkerSnapshot } from './aggregate-status.js';
import type { SupervisorMessage, WorkerMessage } from './worker-messages.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/** How a worker process ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How long the process ran, in ms. */
  readonly uptimeMs: number;
  /** Whether it had reported `started` (its bridge was up). */
  readonly started: boolean;
}

type Request = Exclude<SupervisorMessage, { type: 'start' }>;
type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/**
 * One worker slot of the supervisor: at most one process at a time, forked from `worker-main.js`
 * with the parent's stdio (logs go to the same stderr) and an IPC channel. Keeps the process's last
 * status and answers requests by id. Not restarted by itself: the supervisor decides (see
 * `RestartBackoff`).
 */
export class WorkerSlot {
  #child: ChildProcess | undefined;
  #status: WorkerSnapshot['status'];
  #startedAt = 0;
  #started = false;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  /** Restarts of this slot so far. */
  restarts = 0;

  constructor(
    readonly index: number,
    readonly count: number,
  ) {}

  /** Process id while a process runs the slot. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether a process runs the slot. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** What `/routes` and `/health/ready` aggregate. */
  snapshot(): WorkerSnapshot {
    return {
      worker: this.index,
      ...(this.pid === undefined ? {} : { pid: this.pid }),
      ...(this.#status === undefined ? {} : { status: this.#status }),
      restarts: this.restarts,
    };
  }

  /**
   * Forks the worker process and sends it `config`. `onConnected` is called once its connections are
   * up (its routes start on {@link WorkerSlot.go}), `onStarted` once its bridge is up,
   * `onExit` once the process ended (the slot is empty again then). Throws when a process runs already.
   */
  spawn(
    config: BridgeConfig,
    env: NodeJS.ProcessEnv,
    handlers: { onConnected(): void; onStarted(): void; onExit(exit: WorkerExit): void },
  ): void {
    if (this.#child) throw new ClosedError(`worker ${this.index} is running already`);
    const child = fork(WORKER_MAIN, [], { env, serialization: 'advanced', stdio: 'inherit' });
    this.#child = child;
    this.#startedAt = Date.now();
    this.#started = false;
    this.#status = undefined;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'status')
        this.#status = { ready: message.ready, connections: message.connections, routes: message.routes };
      else if (message.type === 'connected') handlers.onConnected();
      else if (message.type === 'started') {
        this.#started = true;
        handlers.onStarted();
      } else if (message.type === 'reply') {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.ok) pending?.resolve(message.value);
        else pending?.reject(new PolybusError('INTERNAL', message.error ?? 'worker request failed', false));
      }
    });
    child.once('exit', (code, signal) => {
      this.#child = undefined;
      this.#status = undefined;
      for (const p of this.#pending.values()) p.reject(new ClosedError(`worker ${this.index} exited`));
      this.#pending.clear();
      handlers.onExit({ code, signal, uptimeMs: Date.now() - this.#startedAt, started: this.#started });
    });
    child.send({ type: 'start', worker: this.index, count: this.count, config } satisfies SupervisorMessage);
  }

  /** Sends a request and resolves with the worker's answer; rejects when it fails, the worker exits or after `timeoutMs`. */
  request<T>(body: RequestBody, timeoutMs = 5_000): Promise<T> {
    const child = this.#child;
    if (!child?.connected) return Promise.reject(new ClosedError(`worker ${this.index} is not running`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new TimeoutError(`worker ${this.index} did not answer ${body.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...body, id } as SupervisorMessage);
    });
  }

  /** Lets a connected worker start its routes (see `onConnected`). */
  go(): void {
    if (this.#child?.connected) this.#child.send({ type: 'go' } satisfies SupervisorMessage);
  }

  /** Sends `signal` to the process, if one runs. */
  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }
}
