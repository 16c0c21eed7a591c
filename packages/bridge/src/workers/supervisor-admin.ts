import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, redactText, redactUrl } from '@polybus/core';
import type { BridgeConfig } from '../config/schema.js';
import { json, refuseUnauthorized } from '../http/respond.js';
import type { AggregatedRoute } from './aggregate-status.js';
import type { WorkerSlot } from './worker-slot.js';

/** What the supervisor's admin API works on. */
export interface SupervisorAdminOptions {
  readonly config: () => BridgeConfig;
  readonly routes: () => AggregatedRoute[];
  readonly slots: readonly WorkerSlot[];
  readonly adminToken: string | undefined;
  readonly logger: Logger;
}

/** The answer to admin calls the supervisor does not forward to its workers yet. */
export const NOT_FORWARDED =
  'not available with --workers > 1 yet: change routes in the config file and reload it (SIGHUP or --watch); browse dead letters with one worker';

/**
 * The admin API of a supervisor (`polybus run --workers N`): `GET /api/routes` (aggregated like
 * `/routes`), `GET /api/routes/{name}`, `GET /api/connections` (URLs redacted) answered from the
 * supervisor; `POST /api/routes/{name}/pause|resume` forwarded to every running worker (200 when at
 * least one runs the route, 404 when none does, 502 when a worker failed); everything else under
 * `/api/` (PUT/DELETE of a route, the dead-letter browser) answers 501 with {@link NOT_FORWARDED}.
 * Mutating calls need the admin token as in single-process mode. Resolves true when it answered.
 */
export async function handleSupervisorAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  options: SupervisorAdminOptions,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (!path.startsWith('/api/')) return false;
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/api/routes') return json(res, 200, { routes: options.routes() });
  if (method === 'GET' && path === '/api/connections')
    return json(res, 200, {
      connections: Object.entries(options.config().connections).map(([name, c]) => ({
        name,
        url: redactUrl(c.url),
      })),
    });
  const match = /^\/api\/routes\/([A-Za-z0-9._-]+)(?:\/(pause|resume))?$/.exec(path);
  if (match && method === 'GET' && !match[2]) {
    const route = options.routes().find((r) => r.name === match[1]);
    return route ? json(res, 200, route) : json(res, 404, { error: `no route ${match[1]}` });
  }
  if (method !== 'GET' && refuseUnauthorized(req, res, options.adminToken)) return true;
  if (!match?.[2] || method !== 'POST') return json(res, 501, { error: NOT_FORWARDED });
  const name = match[1] as string;
  const action = match[2] as 'pause' | 'resume';
  const running = options.slots.filter((s) => s.running);
  const results = await Promise.allSettled(
    running.map((s) => s.request<boolean>({ type: action, route: name }, 60_000)),
  );
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [running[i]?.index] : []));
  const done = results.flatMap((r, i) => (r.status === 'fulfilled' && r.value ? [running[i]?.index] : []));
  const outcome = failed.length > 0 ? 'failed' : done.length > 0 ? 'ok' : 'not found';
  options.logger.info(
    { audit: true, method, path, outcome, workers: done, remote: req.socket.remoteAddress },
    'admin action',
  );
  if (failed.length > 0)
    return json(res, 502, {
      error: redactText(`worker(s) ${failed.join(', ')} failed to ${action} route ${name}`),
      workers: done,
    });
  return done.length > 0
    ? json(res, 200, { route: name, action, workers: done })
    : json(res, 404, { error: `no route ${name}` });
}
