import { ConfigError, redactUrl } from '@polybus/core';

/** Connection settings read from a `nats://` URL. */
export interface NatsUrl {
  /** `host:port` of every server (default port 4222). */
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  /** A user part without a password is a token (`nats://s3cret@host`). */
  readonly token?: string;
}

/**
 * Parses `nats://[user[:pass]@]host[:port][,host[:port]...]` (also `tls://` hosts are not supported
 * here). Percent-escapes in credentials are decoded. Throws {@link ConfigError} (with the URL
 * redacted) when the URL is not of that form. Pure.
 */
export function parseNatsUrl(url: string): NatsUrl {
  const match = /^nats:\/\/(?:([^@/]*)@)?([^/?#]*)\/?$/i.exec(url);
  if (!match)
    throw new ConfigError(
      `invalid nats URL "${redactUrl(url)}": expected nats://host[:port][,host:port], credentials as user:pass@ or token@ before the hosts (percent-encode / @ : in them)`,
    );
  const [, auth, hostPart = ''] = match;
  const hosts = hostPart === '' ? ['127.0.0.1'] : hostPart.split(',');
  const servers = hosts.map((raw) => {
    const host = raw.trim();
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
      throw new ConfigError(`invalid nats URL "${redactUrl(url)}": bad host "${host}"`);
    }
    return /:\d+$/.test(host) && !/^\[[^\]]*\]$/.test(host) ? host : `${host}:4222`;
  });
  if (auth === undefined || auth === '') return { servers };
  const colon = auth.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ConfigError(`invalid nats URL "${redactUrl(url)}": bad percent-escape in credentials`);
    }
  };
  if (colon < 0) return { servers, token: decode(auth) };
  return { servers, user: decode(auth.slice(0, colon)), pass: decode(auth.slice(colon + 1)) };
}
