import { isIP } from 'node:net';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * Decides which `Host` headers the HTTP server answers, against DNS rebinding (a web page on
 * `evil.example` whose name now resolves to 127.0.0.1 would otherwise read `/routes` and `/metrics`).
 * Allowed: the loopback names (`localhost`, `127.0.0.1`, `[::1]`), the configured bind host, the
 * `extra` names, and any IP literal (a rebinding page always sends its own DNS name, so an IP literal
 * cannot come from one; Prometheus scraping by IP keeps working). `*` in `extra` allows everything.
 * Names compare case-insensitively, without port and trailing dot. A missing Host is refused.
 */
export class HostAllowList {
  readonly #names: ReadonlySet<string>;
  readonly #any: boolean;

  constructor(bindHost: string, extra: readonly string[] = []) {
    const names = new Set(LOOPBACK_NAMES);
    for (const name of [bindHost, ...extra]) names.add(normalize(name));
    this.#any = extra.includes('*');
    this.#names = names;
  }

  /** True when a request with this `Host` header value may be answered. Pure. */
  allows(hostHeader: string | undefined): boolean {
    if (this.#any) return true;
    if (hostHeader === undefined || hostHeader === '') return false;
    const name = hostOf(hostHeader);
    if (name === undefined) return false;
    return this.#names.has(name) || isIP(name) !== 0;
  }
}

/** `Host` header value -> lower-case name without port, brackets or trailing dot; undefined if malformed. */
export function hostOf(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9._-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1] ? normalize(m[1]) : undefined;
}

function normalize(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  return n.startsWith('[') && n.endsWith(']') ? n.slice(1, -1) : n;
}

/** True when binding `host` exposes the server beyond this machine (not a loopback address or name). */
export function isPublicBind(host: string): boolean {
  const h = normalize(host);
  if (h === 'localhost' || h === '::1') return false;
  return !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
