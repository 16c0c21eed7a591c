import { type AdapterRegistry, type Logger, redactText, redactUrl, type Transport } from '@polybus/core';
import type { BridgeConfig } from './config/schema.js';
import { type HttpServer, startHttpServer } from './http/server.js';
import { type BridgeMetrics, createMetrics } from './metrics.js';
import { createRoute, type Route, type RouteStatus } from './route/route.js';

/** Options of {@link startBridge}. */
export interface BridgeOptions {
  readonly config: BridgeConfig;
  readonly registry: AdapterRegistry;
  readonly logger: Logger & { child?(bindings: object): Logger };
  /** Metrics to record into. @defaultValue new metrics with Node process metrics */
  readonly metrics?: BridgeMetrics;
}

/** A running bridge. */
export interface RunningBridge {
  /** Port of the HTTP server, when enabled. */
  readonly httpPort: number | undefined;
  readonly metrics: BridgeMetrics;
  /** Status of every route. */
  routes(): RouteStatus[];
  /**
   * Stops intake on every route, waits up to `config.shutdownTimeout` for in-flight messages to be
   * published and acked, closes every connection, then the HTTP server. Safe to call twice; never
   * rejects.
   */
  stop(): Promise<void>;
}

/**
 * Starts a bridge: HTTP server first (so `/health/live` answers during startup), then every
 * connection, then every route. Rejects (after closing what it opened) when a connection cannot be
 * established or a route cannot subscribe.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { config, registry, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const connections = new Map<string, Transport>();
  const routes: Route[] = [];
  let starting = true;

  const readiness = () => {
    const conns: Record<string, { state: string; detail?: string }> = {};
    let ready = !starting;
    for (const [name, transport] of connections) {
      const health = transport.health();
      conns[name] =
        health.detail === undefined
          ? { state: health.state }
          : { state: health.state, detail: redactText(health.detail) };
      if (health.state !== 'up') ready = false;
    }
    const routeStates: Record<string, { state: string; detail?: string }> = {};
    for (const route of routes) {
      const status = route.status();
      routeStates[status.name] =
        status.detail === undefined
          ? { state: status.state }
          : { state: status.state, detail: status.detail };
      if (status.state !== 'running') ready = false;
    }
    if (routes.length < config.routes.length) ready = false;
    return { ready, connections: conns, routes: routeStates };
  };
  const refreshMetrics = (): void => {
    for (const [name, transport] of connections)
      metrics.connectionUp.set({ connection: name }, transport.health().state === 'up' ? 1 : 0);
  };

  let http: HttpServer | undefined;
  if (config.http.enabled) {
    http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      metrics: metrics.registry,
      logger,
      source: { readiness, refreshMetrics, routes: () => ({ routes: routes.map((r) => r.status()) }) },
    });
    logger.info({ host: config.http.host, port: http.port }, 'http server listening');
  }

  const closeAll = async (timeoutMs: number): Promise<void> => {
    await Promise.all(routes.map((r) => r.stop(timeoutMs)));
    await Promise.all(
      [...connections.entries()].map(async ([name, transport]) => {
        try {
          await transport.close({ timeoutMs: Math.min(timeoutMs, 5000) });
        } catch (error) {
          logger.warn({ connection: name, err: redactText(String(error)) }, 'closing connection failed');
        }
      }),
    );
    refreshMetrics();
  };

  try {
    for (const [name, connection] of Object.entries(config.connections)) {
      const url = typeof connection === 'string' ? connection : connection.url;
      const adapterOptions = typeof connection === 'string' ? {} : (connection.options ?? {});
      const child = logger.child ? logger.child({ connection: name }) : logger;
      connections.set(name, registry.createTransport(url, adapterOptions, { logger: child }));
    }
    await Promise.all(
      [...connections.entries()].map(async ([name, transport]) => {
        const connection = config.connections[name];
        const url = typeof connection === 'string' ? connection : (connection?.url ?? '');
        await transport.connect();
        logger.info({ connection: name, url: redactUrl(url) }, 'connected');
      }),
    );
    for (const routeConfig of config.routes)
      routes.push(createRoute({ config: routeConfig, connections, metrics, logger }));
    await Promise.all(routes.map((r) => r.start()));
    starting = false;
    refreshMetrics();
  } catch (error) {
    await closeAll(1000);
    await http?.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    httpPort: http?.port,
    metrics,
    routes: () => routes.map((r) => r.status()),
    stop() {
      stopping ??= (async () => {
        logger.info(
          { timeoutMs: config.shutdownTimeout },
          'stopping: no new messages, draining in-flight ones',
        );
        await closeAll(config.shutdownTimeout);
        await http?.close();
        logger.info({ routes: routes.map((r) => r.status()) }, 'stopped');
      })();
      return stopping;
    },
  };
}
