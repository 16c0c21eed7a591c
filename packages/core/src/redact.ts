/**
 * Credential redaction by parsing, not by pattern.
 *
 * A URL is parsed (WHATWG `URL`) and rebuilt without its userinfo and with the values of secret-bearing
 * query parameters replaced by `***`. When a URL cannot be parsed unambiguously (a password holding `/`
 * or `@`, a comma-separated host list, a bad port), a conservative fallback shows only the scheme, the
 * host list when it is made of host characters, and the query with secret values masked: it over-masks
 * rather than guesses. Nothing that could be a secret is ever copied from the input.
 */

/** Shown in place of userinfo that was present in a URL. */
const MASKED_USERINFO = '***:***@';
/** Shown in place of a secret value (query parameter value, unparsable remainder). */
const MASK = '***';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const SCHEME_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\//gi;
/** Characters a host list (`h1:1,h2:2`, `[::1]:5672`) is made of; anything else is not shown. */
const HOST_LIST = /^[a-z0-9._\-[\]:,%]*$/i;
/** Characters a path may be shown with (vhosts, database numbers, stream names). */
const SAFE_PATH = /^[a-z0-9._~\-/%+=]*$/i;
/** A bare `host[:port]` without scheme, safe to echo. */
const BARE_HOST = /^[a-z0-9.-]+(:\d+)?$/i;

const SECRET_NAMES = new Set([
  'pass',
  'pwd',
  'key',
  'auth',
  'authorization',
  'sig',
  'signature',
  'sas',
  'jwt',
  'nkey',
  'seed',
  'creds',
  'cert',
]);
const SECRET_PARTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'passphrase',
  'credential',
  'apikey',
  'privatekey',
];

/**
 * True when a query parameter of this name carries a secret: `password`, `pass`, `token`, `secret`,
 * `key`, `access_key`, `secret_key`, `sasl_password`, `auth`, … Case-insensitive, and `-`/`_`/`.` are
 * ignored, so `saslPassword`, `SASL-PASSWORD` and `sasl_password` are one name. Pure.
 */
export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_.\s]/g, '');
  if (SECRET_NAMES.has(n)) return true;
  if (n.endsWith('key')) return true;
  return SECRET_PARTS.some((part) => n.includes(part));
}

/**
 * Returns `url` with any userinfo replaced by `***:***@` and the values of secret-bearing query
 * parameters (see {@link isSecretParam}) replaced by `***`; the fragment is dropped. Never throws, never
 * echoes a part of an unparsable URL that could hold a secret. Use it on every URL that goes into a log
 * line, an error message, a metric label or HTTP output. Pure.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[1];
  if (!scheme) return withoutScheme(url);
  return parsed(url) ?? fallback(scheme, url.slice(scheme.length + 3));
}

/** A string without `scheme://`: echoed only as a bare `host[:port]`, after `***@` when it had userinfo. */
function withoutScheme(text: string): string {
  if (BARE_HOST.test(text)) return text;
  const at = text.lastIndexOf('@');
  const host = at >= 0 ? text.slice(at + 1) : '';
  return at >= 0 && BARE_HOST.test(host) ? `${MASK}@${host}` : MASK;
}

/** The WHATWG parse, when it is unambiguous: no `@` after the authority, nothing the parser dropped. */
function parsed(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const afterAuthority = `${u.pathname}${u.search}${u.hash}`;
  // An '@' after the authority means a password may have been split at a '/', '?' or '#'.
  if (afterAuthority.includes('@') || /\s/.test(url)) return undefined;
  // No '@' after the authority, so any '@' belongs to the userinfo.
  const hadUserinfo = url.includes('@');
  if (!SAFE_PATH.test(u.pathname)) return undefined;
  const query = maskedQuery(u.search.slice(1));
  return `${u.protocol}//${hadUserinfo ? MASKED_USERINFO : ''}${u.host}${u.pathname}${query}`;
}

/** The conservative reading of a URL the WHATWG parser rejects or reads ambiguously. */
function fallback(scheme: string, afterSlashes: string): string {
  // Userinfo, if any, ends at the LAST '@': whatever precedes it is masked whole.
  const at = afterSlashes.lastIndexOf('@');
  const userinfo = at >= 0 ? MASKED_USERINFO : '';
  const tail = at >= 0 ? afterSlashes.slice(at + 1) : afterSlashes;
  const end = firstIndexOf(tail, ['/', '?', '#']);
  const authority = tail.slice(0, end);
  if (/\s/.test(tail) || !HOST_LIST.test(authority)) return `${scheme}://${userinfo}${MASK}`;
  const afterHost = tail.slice(end);
  const hash = afterHost.indexOf('#');
  const pathAndQuery = hash >= 0 ? afterHost.slice(0, hash) : afterHost;
  const q = pathAndQuery.indexOf('?');
  const path = q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery;
  const shownPath = SAFE_PATH.test(path) ? path : `/${MASK}`;
  const query = q >= 0 ? maskedQuery(pathAndQuery.slice(q + 1)) : '';
  return `${scheme}://${userinfo}${authority}${shownPath}${query}`;
}

/** `?a=1&password=***` from a raw query string (without `?`); '' when empty. */
function maskedQuery(raw: string): string {
  if (raw === '') return '';
  const parts = raw.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      return MASK;
    }
    if (isSecretParam(name)) return `${rawName}=${MASK}`;
    if (!SAFE_PATH.test(rawName)) return MASK;
    if (eq >= 0 && !SAFE_PATH.test(pair.slice(eq + 1))) return `${rawName}=${MASK}`;
    return pair;
  });
  return `?${parts.join('&')}`;
}

function firstIndexOf(text: string, chars: readonly string[]): number {
  let end = text.length;
  for (const c of chars) {
    const i = text.indexOf(c);
    if (i >= 0 && i < end) end = i;
  }
  return end;
}

const QUOTES = new Set(['"', "'", '`']);

/**
 * Redacts every URL found in free text (driver error messages often quote URLs). A URL runs from its
 * scheme to the end of its line, the closing quote when it is quoted, or the next URL; its userinfo ends
 * at the last `@` in that span, so a password holding spaces, `/` or `@` is masked whole. Where the span
 * is ambiguous more is masked, never less. Pure.
 */
export function redactText(text: string): string {
  const starts = [...text.matchAll(SCHEME_IN_TEXT)].map((m) => m.index);
  if (starts.length === 0) return text;
  let out = text.slice(0, starts[0]);
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const limit = Math.min(starts[i + 1] ?? text.length, lineEnd(text, start));
    const before = text[start - 1];
    // Searched only up to `limit`, so the whole scan stays linear in the text's length.
    const quoteAt =
      before !== undefined && QUOTES.has(before) ? text.slice(start, limit).indexOf(before) : -1;
    const spanEnd = quoteAt >= 0 ? start + quoteAt : limit;
    const span = text.slice(start, spanEnd);
    const schemeEnd = span.indexOf('://') + 3;
    const at = span.lastIndexOf('@');
    // The URL token: up to the last '@' of the span, then to the next whitespace or quote.
    const tokenFrom = at >= schemeEnd ? at : schemeEnd;
    const tokenEnd = tokenFrom + firstIndexOfPattern(span.slice(tokenFrom), /[\s"'`<>)]/);
    let url = span.slice(0, tokenEnd);
    // Trailing punctuation of the sentence is not part of the URL.
    const trailing = /[.,;:]+$/.exec(url.slice(schemeEnd))?.[0] ?? '';
    url = url.slice(0, url.length - trailing.length);
    out +=
      redactUrl(url) + trailing + span.slice(tokenEnd) + text.slice(spanEnd, starts[i + 1] ?? text.length);
  }
  return out;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl >= 0 ? nl : text.length;
}

function firstIndexOfPattern(text: string, pattern: RegExp): number {
  const m = pattern.exec(text);
  return m ? m.index : text.length;
}
