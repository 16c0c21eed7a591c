import { schemeOf } from '@polybus/core';
import { delay } from '@polybus/core/adapter-kit';
import type { BridgeConfig } from '../config/schema.js';
import type { RouteStatus } from '../route/route.js';

/**
 * Whether every source of `config` is finite: at least one route reads `stdio://`, and every other
 * source is an in-process `memory://` connection (fed only by this process's routes). A config with
 * any broker source never ends by itself. Pure.
 */
export function allSourcesFinite(config: BridgeConfig): boolean {
  const schemes = config.routes.map((r) => schemeOf(config.connections[r.from.connection]?.url ?? ''));
  return schemes.includes('stdio') && schemes.every((s) => s === 'stdio' || s === 'memory');
}

/**
 * Whether the bridge is done, from two route snapshots taken a quiet period apart: every stdio
 * route's input ended, nothing is in flight and no route received anything in between. Pure.
 */
export function isDone(
  config: BridgeConfig,
  before: readonly RouteStatus[],
  after: readonly RouteStatus[],
): boolean {
  const stdio = new Set(
    config.routes
      .filter((r) => schemeOf(config.connections[r.from.connection]?.url ?? '') === 'stdio')
      .map((r) => r.name),
  );
  const received = (s: readonly RouteStatus[]) => s.reduce((n, r) => n + r.counters.received, 0);
  return (
    after.every((r) => r.inFlight === 0 && (!stdio.has(r.name) || r.inputEnded === true)) &&
    received(before) === received(after)
  );
}

/**
 * Resolves once a finite bridge (see {@link allSourcesFinite}) is done (see {@link isDone}): the
 * quiet period is 250 ms, or the longest retry delay plus 250 ms once a message was nacked (a nacked
 * message may be waiting for its redelivery). Never resolves for a bridge that is not finite, or
 * once `signal` aborted.
 */
export async function waitForEndOfInput(
  config: BridgeConfig,
  routes: () => readonly RouteStatus[],
  signal: AbortSignal,
): Promise<void> {
  if (!allSourcesFinite(config)) return new Promise<void>(() => undefined);
  const maxRetryDelay = Math.max(...config.routes.map((r) => r.retry.maxDelay));
  for (;;) {
    const before = routes();
    const nacked = before.some((r) => r.counters.nacked > 0);
    await delay(nacked ? maxRetryDelay + 250 : 250, signal);
    if (signal.aborted) return new Promise<void>(() => undefined);
    if (isDone(config, before, routes())) return;
  }
}
