import { type AdapterRegistry, type Logger, redactText, redactUrl, type Transport } from '@polybus/core';
import type { BridgeConfig } from '../config/schema.js';
import type { BridgeMetrics } from '../metrics.js';
import { createRoute, type Route } from '../route/route.js';
import { type ConfigDiff, diffConfigs } from './config-diff.js';

/** The live state of a bridge that {@link applyConfig} changes in place. */
export interface LiveRoutes {
  config: BridgeConfig;
  readonly connections: Map<string, Transport>;
  /** In config order; unchanged routes keep their object. */
  readonly routes: Route[];
}

/** What {@link applyConfig} needs besides the state. */
export interface ApplyDependencies {
  readonly registry: AdapterRegistry;
  readonly logger: Logger & { child?(bindings: object): Logger };
  readonly metrics: BridgeMetrics;
}

async function closeTransport(name: string, transport: Transport, logger: Logger): Promise<void> {
  try {
    await transport.close({ timeoutMs: 5000 });
  } catch (error) {
    logger.warn({ connection: name, err: redactText(String(error)) }, 'closing connection failed');
  }
}

/**
 * Moves a running bridge from `live.config` to `next` (already validated): unchanged routes keep
 * running untouched (same object, same subscription); changed and removed routes drain (up to
 * `next.shutdownTimeout`; what is left stays unacked for redelivery) and stop; changed and added
 * routes start with their new definition. Connections: added and changed ones are created and
 * connected first — if one cannot connect, nothing was changed and this rejects; changed and
 * removed ones are closed once no route uses them. Rejects (after applying the rest) if a new route
 * cannot subscribe; that route then shows `failed`. Not safe to call concurrently: serialize calls.
 */
export async function applyConfig(
  live: LiveRoutes,
  next: BridgeConfig,
  deps: ApplyDependencies,
): Promise<ConfigDiff> {
  const { logger } = deps;
  const diff = diffConfigs(live.config, next);
  const fresh = new Map<string, Transport>();
  for (const name of [...diff.connections.added, ...diff.connections.changed]) {
    const { url, options } = next.connections[name] as BridgeConfig['connections'][string];
    const child = logger.child ? logger.child({ connection: name }) : logger;
    fresh.set(name, deps.registry.createTransport(url, options, { logger: child }));
  }
  try {
    await Promise.all(
      [...fresh].map(async ([name, transport]) => {
        await transport.connect();
        logger.info({ connection: name, url: redactUrl(next.connections[name]?.url ?? '') }, 'connected');
      }),
    );
  } catch (error) {
    await Promise.all([...fresh].map(([name, t]) => closeTransport(name, t, logger)));
    throw error;
  }

  const leaving = new Set([...diff.routes.changed, ...diff.routes.removed]);
  const old = new Map(live.routes.map((r) => [r.name, r]));
  await Promise.all([...leaving].map((name) => old.get(name)?.stop(next.shutdownTimeout)));

  const retired: Array<[string, Transport]> = [];
  for (const name of [...diff.connections.changed, ...diff.connections.removed]) {
    const transport = live.connections.get(name);
    if (transport) retired.push([name, transport]);
    live.connections.delete(name);
  }
  for (const [name, transport] of fresh) live.connections.set(name, transport);

  const starting: Route[] = [];
  const routes = next.routes.map((config) => {
    const kept = old.get(config.name);
    if (kept && !leaving.has(config.name)) return kept;
    const route = createRoute({ config, connections: live.connections, metrics: deps.metrics, logger });
    starting.push(route);
    return route;
  });
  live.routes.splice(0, live.routes.length, ...routes);
  live.config = next;
  await Promise.all(retired.map(([name, t]) => closeTransport(name, t, logger)));
  const results = await Promise.allSettled(starting.map((r) => r.start()));
  logger.info({ routes: diff.routes, connections: diff.connections }, 'config applied');
  if (diff.needsRestart.length > 0)
    logger.warn({ settings: diff.needsRestart }, 'these settings changed and apply only after a restart');
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return diff;
}
