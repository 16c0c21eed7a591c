import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPolybusError, type Logger, redactText } from '@polybus/core';
import type { DeadLetterBrowser, DeadLetterRef } from '../dead-letters/dead-letter-browser.js';
import { json, readBody, refuseUnauthorized } from './respond.js';

const PATH = /^\/api\/routes\/([A-Za-z0-9._-]+)\/dead-letters(?:\/(replay|discard))?$/;

function statusOf(error: unknown): number {
  if (!isPolybusError(error)) return 500;
  if (error.code === 'CONFIG_INVALID') return 404;
  if (error.code === 'UNSUPPORTED' || error.code === 'ADDRESS_INVALID') return 409;
  return 502;
}

function refOf(text: string | undefined): DeadLetterRef | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<DeadLetterRef> | null;
    if (typeof value?.part === 'string' && typeof value.position === 'string')
      return { part: value.part, position: value.position };
  } catch {
    // not JSON: answered as a bad request below
  }
  return undefined;
}

/**
 * Serves the dead-letter endpoints of the admin API, all behind the bearer token (dead letters hold
 * message bodies): `GET /api/routes/{name}/dead-letters?limit=N` (unhandled dead letters, oldest
 * first, see {@link DeadLetterBrowser.list}), `POST .../dead-letters/replay` and `.../discard` with
 * `{ "part": "...", "position": "..." }`. 404: no such route, no dead-letter target or no such
 * letter; 409: the target cannot be browsed (or the source cannot be replayed to); 502: the broker
 * failed. Resolves false when the path is not a dead-letter path (the caller answers). Logs one audit
 * line per replay or discard. Never rejects for a bad request.
 */
export async function handleDeadLetterRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: { browser: DeadLetterBrowser; adminToken: string | undefined; logger: Logger },
): Promise<boolean> {
  const [path = '/', query = ''] = (req.url ?? '/').split('?');
  const match = PATH.exec(path);
  if (!match) return false;
  const route = match[1] as string;
  const action = match[2] as 'replay' | 'discard' | undefined;
  const method = req.method ?? 'GET';
  if (method !== (action ? 'POST' : 'GET')) return json(res, 405, { error: 'method not allowed' });
  if (refuseUnauthorized(req, res, options.adminToken)) return true;
  const { browser, logger } = options;
  try {
    if (!action) {
      const limit = Number(new URLSearchParams(query).get('limit') ?? 100);
      const page = await browser.list(
        route,
        Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 100,
      );
      return json(res, 200, { route, ...page });
    }
    const ref = refOf(await readBody(req, 4096));
    if (!ref) return json(res, 400, { error: 'body must be {"part": "...", "position": "..."}' });
    const done = action === 'replay' ? await browser.replay(route, ref) : await browser.discard(route, ref);
    logger.info(
      { audit: true, method, path, outcome: done ? 'ok' : 'not found', remote: req.socket.remoteAddress },
      'admin action',
    );
    return done
      ? json(res, 200, { route, action, ...ref })
      : json(res, 404, { error: 'no such dead letter (or already handled)' });
  } catch (error) {
    return json(res, statusOf(error), {
      error: redactText(error instanceof Error ? error.message : String(error)),
    });
  }
}
