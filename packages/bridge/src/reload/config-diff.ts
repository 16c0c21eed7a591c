import type { BridgeConfig, ConnectionConfig, RouteConfig } from '../config/schema.js';

/** What changed between two configs, by connection and route name. */
export interface ConfigDiff {
  readonly connections: {
    readonly unchanged: readonly string[];
    /** Same name, different URL or options: every route using it restarts. */
    readonly changed: readonly string[];
    readonly added: readonly string[];
    readonly removed: readonly string[];
  };
  readonly routes: {
    /** Same definition and no connection of theirs changed: keep running untouched. */
    readonly unchanged: readonly string[];
    /** Definition changed, or a connection they use changed: drain, then start the new definition. */
    readonly changed: readonly string[];
    readonly added: readonly string[];
    readonly removed: readonly string[];
  };
  /** Top-level settings that differ but apply only on a restart (`http`); empty when none. */
  readonly needsRestart: readonly string[];
}

/** A value as canonical JSON (object keys sorted), so key order in the file does not count as a change. Pure. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The connection names a route reads from or writes to (source, sinks, dead-letter target). Pure. */
export function routeConnections(route: RouteConfig): Set<string> {
  return new Set([
    route.from.connection,
    ...route.to.map((t) => t.connection),
    ...(route.deadLetter ? [route.deadLetter.connection] : []),
  ]);
}

function sameConnection(a: ConnectionConfig, b: ConnectionConfig): boolean {
  return a.url === b.url && canonicalJson(a.options) === canonicalJson(b.options);
}

/**
 * Compares a running config with a new one: which connections and routes stay, change, appear or
 * go. A route is `changed` when its definition differs (canonical JSON; the order of keys does not
 * matter) or when any connection it uses changed. `shutdownTimeout` applies to the next drain and
 * never needs a restart; a different `http` block is listed in `needsRestart`. Pure.
 */
export function diffConfigs(old: BridgeConfig, next: BridgeConfig): ConfigDiff {
  const connections = {
    unchanged: [] as string[],
    changed: [] as string[],
    added: [] as string[],
    removed: [] as string[],
  };
  for (const [name, connection] of Object.entries(next.connections)) {
    const before = old.connections[name];
    if (!before) connections.added.push(name);
    else if (sameConnection(before, connection)) connections.unchanged.push(name);
    else connections.changed.push(name);
  }
  for (const name of Object.keys(old.connections))
    if (!(name in next.connections)) connections.removed.push(name);

  const changedConnections = new Set(connections.changed);
  const oldRoutes = new Map(old.routes.map((r) => [r.name, r]));
  const nextNames = new Set(next.routes.map((r) => r.name));
  const routes = {
    unchanged: [] as string[],
    changed: [] as string[],
    added: [] as string[],
    removed: [] as string[],
  };
  for (const route of next.routes) {
    const before = oldRoutes.get(route.name);
    if (!before) routes.added.push(route.name);
    else if (
      canonicalJson(before) !== canonicalJson(route) ||
      [...routeConnections(route)].some((c) => changedConnections.has(c))
    )
      routes.changed.push(route.name);
    else routes.unchanged.push(route.name);
  }
  for (const route of old.routes) if (!nextNames.has(route.name)) routes.removed.push(route.name);

  const needsRestart = canonicalJson(old.http) === canonicalJson(next.http) ? [] : ['http'];
  return { connections, routes, needsRestart };
}
