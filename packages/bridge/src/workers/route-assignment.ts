import { type AdapterRegistry, type Capabilities, capabilitiesOf, schemeOf } from '@polybus/core';
import { type EndpointLike, endpointAddress } from '../config/endpoint.js';
import type { BridgeConfig, RouteConfig } from '../config/schema.js';

/** Schemes whose connection lives in one process: a second process would see another broker or pipe. */
const PROCESS_LOCAL = new Set(['memory', 'stdio']);
/** Schemes whose sockets bind or connect per process (a second binder fails, a second PUSH splits). */
const PER_PROCESS_SOCKETS = new Set(['zmq+tcp', 'zmq+ipc']);

/** Whether one route runs in every worker (sharing its source group) or in worker 0 only, and why. */
export interface RouteSharing {
  readonly route: string;
  readonly shared: boolean;
  /** Why the route runs once (absent when shared). */
  readonly reason?: string;
}

/** What {@link shareDecision} needs to know about a route's endpoints. */
export interface RouteFacts {
  /** Scheme of every connection the route uses (source, sinks, dead-letter), by connection name. */
  readonly schemes: ReadonlyMap<string, string>;
  /** Capabilities of the source address (undefined when they cannot be read). */
  readonly source: Capabilities | undefined;
}

/**
 * Decides whether `route` can run in every worker: only when its source has a `group` and the
 * source address shares work through it (`consumerGroups`), no endpoint is process-local
 * (`memory://`, `stdio://`) or a per-process socket (ZeroMQ), and it keeps no per-process record of
 * what it moved (`dedupe`, `ledger`): those would each see only their worker's share. Pure.
 */
export function shareDecision(route: RouteConfig, facts: RouteFacts): RouteSharing {
  const once = (reason: string): RouteSharing => ({ route: route.name, shared: false, reason });
  const endpoints: EndpointLike[] = [route.from as EndpointLike, ...(route.to as EndpointLike[])];
  if (route.deadLetter) endpoints.push(route.deadLetter as EndpointLike);
  for (const endpoint of endpoints) {
    const scheme = facts.schemes.get(endpoint.connection) ?? '';
    if (PROCESS_LOCAL.has(scheme))
      return once(`connection "${endpoint.connection}" (${scheme}://) lives in one process`);
    if (PER_PROCESS_SOCKETS.has(scheme))
      return once(`connection "${endpoint.connection}" (ZeroMQ) opens its sockets per process`);
  }
  if (route.from.group === undefined)
    return once('its source has no group (every worker would receive every message)');
  if (facts.source === undefined || !facts.source.consumerGroups)
    return once('its source address does not share work through a group');
  if (route.dedupe) return once('dedupe remembers the ids moved by one process');
  if (route.ledger) return once('its ledger file is written by one process');
  return { route: route.name, shared: true };
}

/**
 * {@link shareDecision} for every route of `config`, reading source capabilities from unconnected
 * transports of `registry` (no I/O; closed by garbage collection like `startWarnings`'). Never throws:
 * an unreadable source counts as not sharing.
 */
export function routeSharing(config: BridgeConfig, registry: AdapterRegistry): RouteSharing[] {
  const schemes = new Map<string, string>();
  for (const [name, connection] of Object.entries(config.connections)) {
    try {
      schemes.set(name, schemeOf(connection.url));
    } catch {
      schemes.set(name, '');
    }
  }
  return config.routes.map((route) => {
    let source: Capabilities | undefined;
    const connection = config.connections[route.from.connection];
    const scheme = schemes.get(route.from.connection) ?? '';
    if (connection && !PROCESS_LOCAL.has(scheme)) {
      try {
        const transport = registry.createTransport(connection.url, connection.options);
        source = capabilitiesOf(transport, endpointAddress(route.from as EndpointLike));
      } catch {
        source = undefined;
      }
    }
    return shareDecision(route, { schemes, source });
  });
}

/**
 * The config worker `index` of `count` runs: worker 0 every route, the others only the `shared` ones;
 * only the connections those routes use; no HTTP server (the supervisor serves it); `workers: 1`.
 * A shared route's `rateLimit` is split evenly (rounded up), so the workers together keep the
 * configured rate. Pure; returns a new object.
 */
export function configForWorker(
  config: BridgeConfig,
  sharing: readonly RouteSharing[],
  index: number,
  count: number,
): BridgeConfig {
  const shared = new Set(sharing.filter((s) => s.shared).map((s) => s.route));
  const routes = config.routes
    .filter((r) => index === 0 || shared.has(r.name))
    .map((r) =>
      shared.has(r.name) && r.rateLimit && count > 1
        ? {
            ...r,
            rateLimit: {
              messages: Math.ceil(r.rateLimit.messages / count),
              ...(r.rateLimit.bytes === undefined ? {} : { bytes: Math.ceil(r.rateLimit.bytes / count) }),
            },
          }
        : r,
    );
  const used = new Set<string>();
  for (const r of routes) {
    used.add(r.from.connection);
    for (const sink of r.to) used.add(sink.connection);
    if (r.deadLetter) used.add(r.deadLetter.connection);
  }
  const connections = Object.fromEntries(Object.entries(config.connections).filter(([n]) => used.has(n)));
  return { ...config, connections, routes, http: { ...config.http, enabled: false }, workers: 1 };
}

/** Human-readable lines saying where each route runs with `count` workers (for validate and the log). */
export function sharingLines(sharing: readonly RouteSharing[], count: number): string[] {
  return sharing.map((s) =>
    s.shared
      ? `route "${s.route}": shared by all ${count} workers through its source group`
      : `route "${s.route}": runs in worker 0 only: ${s.reason}`,
  );
}
