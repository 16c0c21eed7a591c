import { isDrained, isLagReporter, silentLogger } from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { endpointAddress } from '../config/endpoint.js';
import { loadConfig } from '../config/load-config.js';
import type { BridgeConfig } from '../config/schema.js';
import type { RouteStatus } from '../route/route.js';
import { type CliIo, ExitCode, fail } from './cli-io.js';
import { confirmDrained } from './fresh-drained.js';

/** One route's line of `polybus status`. */
export interface StatusLine {
  readonly route: string;
  readonly drained: boolean | undefined;
  readonly lag: number | undefined;
  readonly inFlight: number | undefined;
  readonly lastMoved?: RouteStatus['lastMoved'];
  readonly from: 'bridge' | 'broker';
}

/** The base URL of the bridge's HTTP server the config describes, or undefined without one. */
function bridgeUrl(config: BridgeConfig): string | undefined {
  if (!config.http.enabled || config.http.port === 0) return undefined;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host}:${config.http.port}`;
}

/** One GET of `/routes`, or undefined when the bridge does not answer. */
async function fetchRoutes(base: string): Promise<RouteStatus[] | undefined> {
  try {
    const response = await fetch(`${base}/routes`, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return undefined;
    return ((await response.json()) as { routes: RouteStatus[] }).routes;
  } catch {
    return undefined;
  }
}

/**
 * `/routes` of the running bridge the config describes, or undefined when it does not answer; a
 * drained route is confirmed by a lag query sent after the first read ({@link confirmDrained}),
 * waiting at most two of the config's longest `lag.interval` plus 5 s.
 */
async function fromBridge(config: BridgeConfig): Promise<StatusLine[] | undefined> {
  const base = bridgeUrl(config);
  if (base === undefined) return undefined;
  const first = await fetchRoutes(base);
  if (first === undefined) return undefined;
  const longest = Math.max(0, ...config.routes.map((r) => r.lag.interval));
  const routes = await confirmDrained(first, {
    read: () => fetchRoutes(base),
    timeoutMs: 2 * longest + 5000,
  });
  return routes.map((r) => ({
    route: r.name,
    drained: r.drained,
    lag: r.lag?.total,
    inFlight: r.inFlight,
    ...(r.lastMoved ? { lastMoved: r.lastMoved } : {}),
    from: 'bridge' as const,
  }));
}

/** Lag straight from the brokers (no bridge running: nothing is in flight locally). */
async function fromBrokers(config: BridgeConfig): Promise<StatusLine[]> {
  const registry = await loadBridgeRegistry(
    Object.values(config.connections).map((c) => c.url.split(':')[0] ?? ''),
  );
  const lines: StatusLine[] = [];
  for (const route of config.routes) {
    const connection = config.connections[route.from.connection];
    let lag: number | undefined;
    let drained: boolean | undefined;
    if (connection) {
      const transport = registry.createTransport(connection.url, connection.options, {
        logger: silentLogger,
      });
      try {
        if (isLagReporter(transport)) {
          await transport.connect();
          const report = await transport.lag(endpointAddress(route.from), route.from.group);
          lag = report.total;
          drained = isDrained(report, 0);
        }
      } catch {
        // unknown: printed as such
      } finally {
        await transport.close({ timeoutMs: 1000 }).catch(() => undefined);
      }
    }
    lines.push({ route: route.name, drained, lag, inFlight: undefined, from: 'broker' });
  }
  return lines;
}

/** Formats one line: `route  drained|NOT drained|unknown  lag=N  last=id@position at time`. Pure. */
export function formatStatus(line: StatusLine): string {
  const state = line.drained === undefined ? 'unknown' : line.drained ? 'drained' : 'NOT drained';
  const parts = [line.route, state, `lag=${line.lag ?? '?'}`];
  if (line.inFlight !== undefined) parts.push(`inFlight=${line.inFlight}`);
  if (line.lastMoved) {
    const m = line.lastMoved;
    parts.push(`last=${m.id}${m.position ? `@${m.position}` : ''} at ${m.at}`);
  }
  parts.push(`(from ${line.from})`);
  return parts.join('  ');
}

/**
 * `polybus status -c polybus.yaml`: per route whether the source is drained and the last message
 * moved, from the running bridge's `/routes` when it answers (a drained route confirmed by a lag
 * query sent after the command started: see {@link fromBridge}), else the lag from the brokers. Exit 0
 * when every route is drained, 1 otherwise (or unknown), 2 for a bad config.
 */
export async function statusCommand(io: CliIo, opts: { config: string; json?: boolean }): Promise<number> {
  let config: BridgeConfig;
  try {
    ({ config } = await loadConfig(opts.config, { registry: loadBridgeRegistry }));
  } catch (error) {
    fail(io, error);
  }
  const lines = (await fromBridge(config)) ?? (await fromBrokers(config));
  if (opts.json) io.stdout.write(`${JSON.stringify(lines)}\n`);
  else for (const line of lines) io.stdout.write(`${formatStatus(line)}\n`);
  return lines.every((l) => l.drained === true) ? ExitCode.ok : ExitCode.fatal;
}
