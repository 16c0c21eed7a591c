import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Writes `body` as a JSON response that is never cached; returns true (the request was answered). */
export function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). Pure. */
export function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Answers 403 (no token configured) or 401 (missing or wrong bearer token) and returns true, or
 * returns false when the request may go on.
 */
export function refuseUnauthorized(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
): boolean {
  if (token === undefined || token === '')
    return json(res, 403, {
      error: 'mutating endpoints are off: set http.adminToken or POLYBUS_ADMIN_TOKEN',
    });
  if (authorized(req, token)) return false;
  res.setHeader('www-authenticate', 'Bearer');
  return json(res, 401, { error: 'missing or wrong bearer token' });
}

/** The request body as text, or undefined once it exceeds `max` bytes. Rejects if the socket fails. */
export async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
