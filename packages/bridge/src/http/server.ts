import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, redactText } from '@polybus/core';
import type { Registry } from 'prom-client';

/** What the HTTP server asks the bridge. */
export interface HealthSource {
  /** Health of every connection and state of every route. */
  readiness(): {
    ready: boolean;
    connections: Record<string, { state: string; detail?: string }>;
    routes: Record<string, { state: string; detail?: string }>;
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
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Serves `GET /health/live`, `/health/ready` (200 or 503 with detail), `/metrics` (Prometheus text)
 * and `/routes` (JSON). Resolves once listening; rejects if the port cannot be bound.
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  source: HealthSource;
  metrics: Registry;
  logger: Logger;
}): Promise<HttpServer> {
  const { source, metrics, logger } = options;
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, JSON.stringify({ error: 'method not allowed' }));
    switch (path) {
      case '/health/live':
        return send(res, 200, JSON.stringify({ status: 'live' }));
      case '/health/ready': {
        const r = source.readiness();
        return send(
          res,
          r.ready ? 200 : 503,
          JSON.stringify({
            status: r.ready ? 'ready' : 'not ready',
            connections: r.connections,
            routes: r.routes,
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
            endpoints: ['/health/live', '/health/ready', '/metrics', '/routes'],
          }),
        );
    }
  };
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      logger.error({ err: redactText(String(error)) }, 'http handler failed');
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal error' }));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
