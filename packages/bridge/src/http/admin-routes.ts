import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdapterRegistry, type Logger, redactText, redactUrl } from '@polybus/core';
import type { RunningBridge } from '../bridge.js';
import { ConfigFileError, formatProblem } from '../config/config-problem.js';
import { parseConfig } from '../config/load-config.js';
import type { DeadLetterBrowser } from '../dead-letters/dead-letter-browser.js';
import { handleDeadLetterRequest } from './dead-letter-routes.js';
import { json, readBody, refuseUnauthorized } from './respond.js';

/** What the admin API works on. */
export interface AdminApiOptions {
  readonly bridge: Pick<RunningBridge, 'routes' | 'config' | 'applyConfig' | 'pauseRoute' | 'resumeRoute'>;
  /** Validates a PUT route against the running bridge's adapters. */
  readonly registry: AdapterRegistry;
  /** Bearer token for mutating calls (`http.adminToken` / `POLYBUS_ADMIN_TOKEN`); none: mutating calls are off (403). */
  readonly adminToken: string | undefined;
  readonly logger: Logger;
  /** Largest request body accepted, in bytes. @defaultValue 1 MiB */
  readonly maxBodyBytes?: number;
  /** Serves `/api/routes/{name}/dead-letters...` (see `handleDeadLetterRequest`); absent: those get 404. */
  readonly deadLetters?: DeadLetterBrowser;
}

/**
 * Serves the admin API under `/api/`: `GET /api/routes`, `GET /api/connections` (URLs redacted),
 * `PUT /api/routes/{name}` (a route as JSON, validated exactly like the config file; creates or
 * replaces it, draining the old one), `DELETE /api/routes/{name}`, `POST /api/routes/{name}/pause`
 * and `/resume`, and the dead-letter browser (`handleDeadLetterRequest`). Mutating calls need `Authorization: Bearer <adminToken>`: 403 when no token is
 * configured, 401 without the right one. Resolves true when it answered the request, false when the
 * path is not under `/api/` (the caller answers). Logs one audit line per mutating call. Never rejects
 * for a bad request (4xx); rejects only if writing the response fails.
 */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: AdminApiOptions,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (!path.startsWith('/api/')) return false;
  const { bridge, logger } = options;
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/api/routes') return json(res, 200, { routes: bridge.routes() });
  if (method === 'GET' && path === '/api/connections') {
    const connections = Object.entries(bridge.config().connections).map(([name, c]) => ({
      name,
      url: redactUrl(c.url),
    }));
    return json(res, 200, { connections });
  }
  if (
    options.deadLetters &&
    (await handleDeadLetterRequest(req, res, {
      browser: options.deadLetters,
      adminToken: options.adminToken,
      logger,
    }))
  )
    return true;
  const match = /^\/api\/routes\/([A-Za-z0-9._-]+)(?:\/(pause|resume))?$/.exec(path);
  if (!match) return json(res, 404, { error: 'not found' });
  const name = match[1] as string;
  const action = match[2];
  const allowed = action ? ['POST'] : ['GET', 'PUT', 'DELETE'];
  if (!allowed.includes(method)) return json(res, 405, { error: 'method not allowed' });
  const exists = bridge.routes().some((r) => r.name === name);
  if (method === 'GET') {
    const status = bridge.routes().find((r) => r.name === name);
    return status ? json(res, 200, status) : json(res, 404, { error: `no route ${name}` });
  }
  if (refuseUnauthorized(req, res, options.adminToken)) return true;
  const audit = (outcome: string): void =>
    logger.info({ audit: true, method, path, outcome, remote: req.socket.remoteAddress }, 'admin action');
  if (action) {
    const done = action === 'pause' ? await bridge.pauseRoute(name) : await bridge.resumeRoute(name);
    audit(done ? 'ok' : 'not found');
    return done ? json(res, 200, { route: name, action }) : json(res, 404, { error: `no route ${name}` });
  }
  const current = bridge.config();
  let routes: unknown[];
  if (method === 'DELETE') {
    if (!exists) return json(res, 404, { error: `no route ${name}` });
    routes = current.routes.filter((r) => r.name !== name);
  } else {
    const text = await readBody(req, options.maxBodyBytes ?? 1 << 20);
    if (text === undefined) return json(res, 413, { error: 'request body too large' });
    let route: unknown;
    try {
      route = JSON.parse(text);
    } catch {
      return json(res, 400, { error: 'body must be a JSON route object' });
    }
    if (route === null || typeof route !== 'object' || Array.isArray(route))
      return json(res, 400, { error: 'body must be a JSON route object' });
    const named = { ...(route as Record<string, unknown>), name };
    routes = exists ? current.routes.map((r) => (r.name === name ? named : r)) : [...current.routes, named];
  }
  let next: ReturnType<typeof parseConfig>['config'];
  try {
    next = parseConfig(JSON.stringify({ ...current, routes }), `${method} ${path}`, {
      registry: options.registry,
      env: {},
    }).config;
  } catch (error) {
    if (error instanceof ConfigFileError)
      return json(res, 422, { error: 'invalid route', problems: error.problems.map(formatProblem) });
    throw error;
  }
  try {
    const diff = await bridge.applyConfig(next);
    audit('ok');
    return json(res, 200, { routes: diff.routes });
  } catch (error) {
    audit('failed');
    return json(res, 500, { error: redactText(error instanceof Error ? error.message : String(error)) });
  }
}

/** The admin token: `POLYBUS_ADMIN_TOKEN` when set and not empty, else `http.adminToken`. Pure. */
export function adminTokenOf(
  http: { readonly adminToken?: string | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const fromEnv = env.POLYBUS_ADMIN_TOKEN?.trim();
  return fromEnv ? fromEnv : http.adminToken;
}
