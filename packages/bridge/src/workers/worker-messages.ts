import type { BridgeConfig } from '../config/schema.js';
import type { RouteStatus } from '../route/route.js';
import type { StateMap } from './aggregate-status.js';

/**
 * The IPC messages between the supervisor and its workers (node's `advanced` serialization, so a
 * config crosses unchanged). The supervisor sends `start` once; the worker connects and says
 * `connected`; the supervisor sends `go` (at startup: once every worker is connected, so all join
 * their groups together and the broker assigns once), the worker starts its routes and says
 * `started`. Then the supervisor sends requests; a worker answers
 * every request with one `reply` of the same `id`, and pushes `status` on its own.
 */
export type SupervisorMessage =
  | { readonly type: 'start'; readonly worker: number; readonly count: number; readonly config: BridgeConfig }
  | { readonly type: 'apply'; readonly id: number; readonly config: BridgeConfig }
  | { readonly type: 'go' }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'pause' | 'resume'; readonly id: number; readonly route: string };

/** What a worker sends the supervisor. */
export type WorkerMessage =
  | { readonly type: 'connected' }
  | { readonly type: 'started' }
  | {
      readonly type: 'status';
      readonly ready: boolean;
      readonly connections: StateMap;
      readonly routes: RouteStatus[];
    }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: string;
    };

/** How often a worker pushes its status (the supervisor's `/health/ready` and `/routes` lag by at most this). */
export const STATUS_INTERVAL_MS = 500;
/** The environment variable that makes the CLI entry run as a worker (value: the worker index). */
export const WORKER_ENV = 'POLYBUS_WORKER';
