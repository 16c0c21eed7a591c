import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, redactText } from '@polybus/core';
import type { Registry } from 'prom-client';
import { CONSOLE_HEADERS, consoleAsset } from './console-assets.js';
import { EventLoopDelay } from './event-loop-delay.js';
import { HostAllowList, isPublicBind } from './host-allow-list.js';

/** What the HTTP server asks the bridge. */
export interface HealthSource {
  /** Health of every connection and state of every route. */
  readiness(): {
    ready: boolean;
    connections: Record<string, { state: string; detail?: string }>;
    routes: Record<string, { state: string; detail?: string }>;
    /** With `--workers`: each worker's pid, readiness and restarts (the supervisor's answer). */
    workers?: readonly object[];
  };
  /** `/routes` body. */
  routes(): unknown;
  /** Updates gauges that are read on scrape (connection up). */
  refreshMetrics(): void;
}

/** A started HTTP server. */
export interface HttpServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections and closes idle ones. Safe to call twice; never rejects. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** Hardening settings of the HTTP server; every one is optional with a safe default. */
export interface HttpHardeningOptions {
  /**
   * Extra `Host` names answered besides loopback names, the bind host and IP literals (`*`: any).
   * Others get 421 with no detail. @defaultValue []
   */
  allowedHosts?: readonly string[] | undefined;
  /** Admin token; when absent and bound to a non-loopback address, a warning is logged. @defaultValue none */
  adminToken?: string | undefined;
  /** Most open sockets; further connections are dropped (`server.maxConnections`). @defaultValue 256 */
  maxConnections?: number | undefined;
  /** Time to receive a request's headers (`server.headersTimeout`). @defaultValue 5000 */
  headersTimeoutMs?: number | undefined;
  /** Time to receive a whole request (`server.requestTimeout`). @defaultValue 10000 */
  requestTimeoutMs?: number | undefined;
  /** Idle time before a kept-alive socket is closed (`server.keepAliveTimeout`). @defaultValue 5000 */
  keepAliveTimeoutMs?: number | undefined;
}

/** Defaults of {@link HttpHardeningOptions}. */
export const HTTP_HARDENING_DEFAULTS = {
  maxConnections: 256,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
} as const;

/**
 * Serves `GET /health/live` (200 with the event loop's delay since the server started, see
 * {@link EventLoopDelay}), `/health/ready` (200 or 503 with detail), `/metrics` (Prometheus text)
 * `/routes` (JSON) and the web console (`/console`, static files with a strict CSP; it works on the
 * admin API). Hardened: answers only allowed `Host` headers (see {@link HostAllowList};
 * others get 421 before any endpoint runs), caps open connections and times out slow headers, slow
 * requests and idle keep-alive sockets; warns when bound to a non-loopback address without an admin
 * token. Resolves once listening; rejects if the port cannot be bound.
 */
export async function startHttpServer(
  options: {
    host: string;
    port: number;
    source: HealthSource;
    /** What `/metrics` serves: a prom-client registry, or anything that renders text the same way. */
    metrics: Pick<Registry, 'metrics' | 'contentType'>;
    logger: Logger;
    /**
     * Answers requests under `/api/` (the admin API) before the read-only endpoints; resolves true
     * when it answered. Absent: `/api/` paths get 404 like any unknown path.
     */
    admin?: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | undefined;
  } & HttpHardeningOptions,
): Promise<HttpServer> {
  const { source, metrics, logger } = options;
  const hosts = new HostAllowList(options.host, options.allowedHosts ?? []);
  const eventLoopDelay = new EventLoopDelay();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hosts.allows(req.headers.host)) {
      logger.debug({ method: req.method }, 'http: request for a host not in the allow-list refused');
      res.shouldKeepAlive = false;
      return send(res, 421, JSON.stringify({ error: 'misdirected request' }));
    }
    const path = (req.url ?? '/').split('?')[0];
    if (options.admin && path?.startsWith('/api/') && (await options.admin(req, res))) return;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, JSON.stringify({ error: 'method not allowed' }));
    const asset = consoleAsset(path ?? '/');
    if (asset) {
      res.writeHead(200, { ...CONSOLE_HEADERS, 'content-type': asset.type });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    switch (path) {
      case '/health/live':
        return send(res, 200, JSON.stringify({ status: 'live', eventLoopDelay: eventLoopDelay.read() }));
      case '/health/ready': {
        const r = source.readiness();
        return send(
          res,
          r.ready ? 200 : 503,
          JSON.stringify({
            status: r.ready ? 'ready' : 'not ready',
            connections: r.connections,
            routes: r.routes,
            ...(r.workers === undefined ? {} : { workers: r.workers }),
          }),
        );
      }
      case '/metrics': {
        source.refreshMetrics();
        return send(res, 200, await metrics.metrics(), metrics.contentType);
      }
      case '/routes':
        return send(res, 200, JSON.stringify(source.routes()));
      default:
        return send(
          res,
          404,
          JSON.stringify({
            error: 'not found',
            endpoints: ['/health/live', '/health/ready', '/metrics', '/routes', '/console', '/api/routes'],
          }),
        );
    }
  };
  const requestTimeout = options.requestTimeoutMs ?? HTTP_HARDENING_DEFAULTS.requestTimeoutMs;
  const server: Server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(
        options.headersTimeoutMs ?? HTTP_HARDENING_DEFAULTS.headersTimeoutMs,
        requestTimeout,
      ),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? HTTP_HARDENING_DEFAULTS.keepAliveTimeoutMs,
      // How often header/request timeouts are checked (node's default, 30 s, would let them overrun).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      handler(req, res).catch((error: unknown) => {
        logger.error({ err: redactText(String(error)) }, 'http handler failed');
        if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal error' }));
        else res.end();
      });
    },
  );
  server.maxConnections = options.maxConnections ?? HTTP_HARDENING_DEFAULTS.maxConnections;
  // A socket that sends nothing at all (not even a first header byte) is closed after this long too.
  server.timeout = requestTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    eventLoopDelay.stop();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  if (isPublicBind(options.host) && !options.adminToken)
    logger.warn(
      { host: options.host, port },
      'http server is bound to a non-loopback address without an admin token: anyone who can reach it can read /routes and /metrics',
    );
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        eventLoopDelay.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
