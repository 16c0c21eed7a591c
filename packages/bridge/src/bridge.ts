import {
  type AdapterRegistry,
  ClosedError,
  type Logger,
  redactText,
  redactUrl,
  type Transport,
} from '@polybus/core';
import type { BridgeConfig } from './config/schema.js';
import { DeadLetterBrowser } from './dead-letters/dead-letter-browser.js';
import { adminTokenOf, handleAdminRequest } from './http/admin-routes.js';
import { httpServerSettings } from './http/http-settings.js';
import { type HealthSource, type HttpServer, startHttpServer } from './http/server.js';
import { type BridgeMetrics, createMetrics } from './metrics.js';
import { applyConfig as applyToLive, type LiveRoutes } from './reload/apply-config.js';
import type { ConfigDiff } from './reload/config-diff.js';
import { createRoute, type Route, type RouteStatus } from './route/route.js';

/** Options of {@link startBridge}. */
export interface BridgeOptions {
  readonly config: BridgeConfig;
  readonly registry: AdapterRegistry;
  readonly logger: Logger & { child?(bindings: object): Logger };
  /** Metrics to record into. @defaultValue new metrics with Node process metrics */
  readonly metrics?: BridgeMetrics;
  /** Whether routes record spans (an OpenTelemetry SDK is registered, see `startTracing`). @defaultValue false */
  readonly tracing?: boolean;
  /**
   * Called once every connection is connected, before any route subscribes; the routes start when it
   * resolves (a rejection fails the start like a connection error). Lets a supervisor start the
   * routes of all its workers at once, so they join their groups together. @defaultValue none
   */
  readonly beforeRoutes?: () => Promise<void>;
}

/** A running bridge. */
export interface RunningBridge {
  /** Port of the HTTP server, when enabled. */
  readonly httpPort: number | undefined;
  readonly metrics: BridgeMetrics;
  /** Status of every route. */
  routes(): RouteStatus[];
  /** What `/health/ready` answers: ready, and the state of every connection and route. */
  readiness(): ReturnType<HealthSource['readiness']>;
  /** Brings the gauges read on scrape (connection up) up to date; call before reading `metrics`. */
  refreshMetrics(): void;
  /** The config the bridge runs now (the last one applied). */
  config(): BridgeConfig;
  /**
   * Applies a new, validated config without a restart (see `applyConfig` in reload/apply-config.ts):
   * unchanged routes keep running, changed ones drain and restart, removed ones drain and stop,
   * added ones start. `registry` serves connections the new config adds (default: the bridge's).
   * Calls are serialized. Rejects when a new connection cannot connect (nothing changed then) or a
   * new route cannot subscribe.
   */
  applyConfig(config: BridgeConfig, registry?: AdapterRegistry): Promise<ConfigDiff>;
  /** Browses, replays and discards the routes' dead letters (see {@link DeadLetterBrowser}). */
  readonly deadLetters: DeadLetterBrowser;
  /** Pauses a route (drains, then closes its subscription); false when there is no such route. */
  pauseRoute(name: string): Promise<boolean>;
  /** Resumes a paused route; false when there is no such route. */
  resumeRoute(name: string): Promise<boolean>;
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
  const live: LiveRoutes = { config, connections, routes };
  let applying: Promise<unknown> = Promise.resolve();
  /** Runs `job` after every earlier reload or pause/resume finished. */
  const serialized = <T>(job: () => Promise<T>): Promise<T> => {
    const result = applying.then(job);
    applying = result.catch(() => undefined);
    return result;
  };

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
    if (routes.length < live.config.routes.length) ready = false;
    return { ready, connections: conns, routes: routeStates };
  };
  const refreshMetrics = (): void => {
    for (const [name, transport] of connections)
      metrics.connectionUp.set({ connection: name }, transport.health().state === 'up' ? 1 : 0);
  };

  /** Set once started; the admin API answers only from then on. */
  let running: RunningBridge | undefined;
  let http: HttpServer | undefined;
  if (config.http.enabled) {
    http = await startHttpServer({
      ...httpServerSettings(config.http),
      metrics: metrics.registry,
      logger,
      source: { readiness, refreshMetrics, routes: () => ({ routes: routes.map((r) => r.status()) }) },
      admin: (req, res) =>
        running === undefined
          ? Promise.resolve(false)
          : handleAdminRequest(req, res, {
              bridge: running,
              registry,
              adminToken: adminTokenOf(config.http),
              logger,
              deadLetters: running.deadLetters,
            }),
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
    for (const [name, { url, options: adapterOptions }] of Object.entries(config.connections)) {
      const child = logger.child ? logger.child({ connection: name }) : logger;
      connections.set(name, registry.createTransport(url, adapterOptions, { logger: child }));
    }
    await Promise.all(
      [...connections.entries()].map(async ([name, transport]) => {
        await transport.connect();
        logger.info({ connection: name, url: redactUrl(config.connections[name]?.url ?? '') }, 'connected');
      }),
    );
    await options.beforeRoutes?.();
    for (const routeConfig of config.routes)
      routes.push(
        createRoute({ config: routeConfig, connections, metrics, logger, tracing: options.tracing ?? false }),
      );
    await Promise.all(routes.map((r) => r.start()));
    starting = false;
    refreshMetrics();
  } catch (error) {
    await closeAll(1000);
    await http?.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  running = {
    httpPort: http?.port,
    metrics,
    routes: () => routes.map((r) => r.status()),
    readiness,
    refreshMetrics,
    config: () => live.config,
    deadLetters: new DeadLetterBrowser({ config: () => live.config, transport: (n) => connections.get(n) }),
    applyConfig: (next, nextRegistry) =>
      serialized(() => {
        if (stopping) return Promise.reject(new ClosedError('the bridge is stopping'));
        return applyToLive(live, next, { registry: nextRegistry ?? registry, logger, metrics });
      }),
    pauseRoute: (name) =>
      serialized(async () => {
        const route = routes.find((r) => r.name === name);
        await route?.pause(live.config.shutdownTimeout);
        return route !== undefined;
      }),
    resumeRoute: (name) =>
      serialized(async () => {
        const route = routes.find((r) => r.name === name);
        await route?.resume();
        return route !== undefined;
      }),
    stop() {
      stopping ??= (async () => {
        logger.info(
          { timeoutMs: config.shutdownTimeout },
          'stopping: no new messages, draining in-flight ones',
        );
        await applying;
        await closeAll(live.config.shutdownTimeout);
        await http?.close();
        logger.info({ routes: routes.map((r) => r.status()) }, 'stopped');
      })();
      return stopping;
    },
  };
  return running;
}
