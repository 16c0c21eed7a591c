import { ConfigError, redactUrl } from '@polybus/core';

/** Default AMQP 1.0 ports (IANA): 5672 plain, 5671 TLS. */
export const AMQP1_PORT = 5672;
export const AMQPS1_PORT = 5671;

/** Where and how to connect, parsed from an `amqp1://` or `amqps1://` URL. Holds the secret: never log it. */
export interface Amqp1Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** SASL PLAIN user; undefined: SASL ANONYMOUS. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The `hostname` sent in the open frame (virtual host), from the URL path; default the host. */
  readonly virtualHost: string | undefined;
}

/**
 * Parses `amqp1://[user[:password]@]host[:port][/vhost]` (or `amqps1://` for TLS). User name and
 * password are percent-decoded. Throws {@link ConfigError} (URL redacted) for anything else. Pure.
 */
export function parseAmqp1Url(url: string): Amqp1Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError(`invalid AMQP 1.0 URL ${redactUrl(url)}`, { cause: error });
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'amqp1' && scheme !== 'amqps1') {
    throw new ConfigError(`AMQP 1.0 URLs start with amqp1:// or amqps1://, got ${redactUrl(url)}`);
  }
  if (parsed.hostname === '') throw new ConfigError(`AMQP 1.0 URL ${redactUrl(url)} has no host`);
  const tls = scheme === 'amqps1';
  const port = parsed.port === '' ? (tls ? AMQPS1_PORT : AMQP1_PORT) : Number(parsed.port);
  const decode = (s: string): string | undefined => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch (error) {
      throw new ConfigError(`AMQP 1.0 URL ${redactUrl(url)}: invalid percent-encoding in the credentials`, {
        cause: error,
      });
    }
  };
  const path = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    tls,
    username: decode(parsed.username),
    password: decode(parsed.password),
    virtualHost: path === '' ? undefined : decodeURIComponent(path),
  };
}
