import type { RouteStatus } from '../route/route.js';

/** What {@link confirmDrained} needs: the bridge's `/routes`, read again on each call. */
export interface FreshDrainedOptions {
  /** One read of `/routes`; undefined when the bridge does not answer (the routes then stay as read). */
  readonly read: () => Promise<readonly RouteStatus[] | undefined>;
  /** Give up after this long (ms): routes still unconfirmed are reported with `drained` unknown. */
  readonly timeoutMs: number;
  /** Time between two reads (ms). @defaultValue 200 */
  readonly pollMs?: number;
}

/**
 * Routes as the bridge reports them, with `drained` true only where it is fresh. A route's lag is the
 * broker's answer of up to one `lag.interval` ago, which may predate the caller's last publish; so a
 * route that looks drained in `first` counts as drained only once its `lag.updatedAt` changed twice
 * (a route has one lag query in flight at a time, so the second was sent after `first` was read).
 * Re-reads `/routes` every `pollMs` until every such route is confirmed, reads not drained, or
 * `timeoutMs` passed (then without `drained`: unknown). Returns the last routes read. Never rejects when
 * `read` does not.
 */
export async function confirmDrained(
  first: readonly RouteStatus[],
  options: FreshDrainedOptions,
): Promise<RouteStatus[]> {
  let routes = first;
  const unconfirmed = new Map<string, { updatedAt: string; updates: number }>();
  for (const r of routes)
    if (r.drained && r.lag) unconfirmed.set(r.name, { updatedAt: r.lag.updatedAt, updates: 0 });
  const deadline = Date.now() + options.timeoutMs;
  while (unconfirmed.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    const next = await options.read();
    if (next === undefined) break;
    routes = next;
    for (const r of routes) {
      const seen = unconfirmed.get(r.name);
      if (!seen) continue;
      if (!r.drained || !r.lag) unconfirmed.delete(r.name);
      else if (r.lag.updatedAt !== seen.updatedAt) {
        seen.updatedAt = r.lag.updatedAt;
        if (++seen.updates >= 2) unconfirmed.delete(r.name);
      }
    }
  }
  return routes.map((r) => {
    if (!unconfirmed.has(r.name)) return r;
    const { drained: _unknown, ...rest } = r;
    return rest;
  });
}
