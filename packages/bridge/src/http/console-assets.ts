import { readFileSync } from 'node:fs';

/** The console's files: `packages/bridge/console/`, beside `src/` and `dist/` (shipped in the package). */
const DIR = new URL('../../console/', import.meta.url);

const FILES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  '/console': ['index.html', 'text/html; charset=utf-8'],
  '/console/': ['index.html', 'text/html; charset=utf-8'],
  '/console/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/console/console.css': ['console.css', 'text/css; charset=utf-8'],
};

/**
 * Headers of every console response: a Content-Security-Policy that allows only the console's own
 * script, style and API calls (no inline script or style, no framing, no other origin), no MIME
 * sniffing, no referrer, no caching.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const cache = new Map<string, Buffer>();

/**
 * The console file served at `path` (`/console`, `/console/console.js`, `/console/console.css`) with
 * its content type, or undefined for any other path. Files are read once, then kept in memory.
 * Throws (a bug in packaging) when a console file is missing.
 */
export function consoleAsset(path: string): { body: Buffer; type: string } | undefined {
  const entry = FILES[path];
  if (!entry) return undefined;
  const [file, type] = entry;
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(new URL(file, DIR));
    cache.set(file, body);
  }
  return { body, type };
}
