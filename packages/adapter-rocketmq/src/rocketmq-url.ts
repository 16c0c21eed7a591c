import { ConfigError } from '@polybus/core';

/** Default port of a RocketMQ proxy's gRPC endpoint. */
export const DEFAULT_PROXY_PORT = 8081;

/** A parsed `rocketmq://` URL. */
export interface RocketmqUrl {
  /** Endpoints in the client's syntax: `host:port` joined by `;`. */
  readonly endpoints: string;
  /** True for `rocketmqs://` (TLS to the proxy). */
  readonly ssl: boolean;
  /** Access key from the URL's user name, if any. */
  readonly accessKey?: string;
  /** Secret key from the URL's password, if any. Never log it. */
  readonly secretKey?: string;
  /** The URL without credentials, for logs and errors. */
  readonly display: string;
}

/**
 * Parses `rocketmq[s]://[accessKey:secretKey@]host[:port][,host:port...]` (the RocketMQ 5 proxy's gRPC
 * endpoints; port 8081 when absent). Throws {@link ConfigError} (without the credentials) when the URL
 * is not of that form. Pure.
 */
export function parseRocketmqUrl(url: string): RocketmqUrl {
  const match = /^(rocketmqs?):\/\/(?:([^@/]*)@)?([^/?#]*)\/?$/i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const hosts = match?.[3] ?? '';
  const at = url.lastIndexOf('@');
  const shown = at >= 0 ? `${scheme ?? 'rocketmq'}://***@${url.slice(at + 1)}` : url;
  if (scheme === undefined || hosts === '') {
    throw new ConfigError(`invalid RocketMQ URL "${shown}": expected rocketmq://host:port[,host:port]`);
  }
  const endpoints = hosts.split(',').map((part) => {
    const m = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(part);
    const port = m?.[2] === undefined ? DEFAULT_PROXY_PORT : Number(m[2]);
    if (m?.[1] === undefined || port < 1 || port > 65535) {
      throw new ConfigError(`invalid RocketMQ URL "${shown}": bad endpoint "${part}"`);
    }
    return `${m[1]}:${port}`;
  });
  const userinfo = match?.[2];
  let accessKey: string | undefined;
  let secretKey: string | undefined;
  if (userinfo !== undefined && userinfo !== '') {
    const colon = userinfo.indexOf(':');
    try {
      accessKey = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
      if (colon >= 0) secretKey = decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      throw new ConfigError(`invalid RocketMQ URL "${shown}": bad percent-encoding in the credentials`);
    }
  }
  const display = `${scheme}://${accessKey === undefined ? '' : '***@'}${endpoints.join(',')}`;
  return {
    endpoints: endpoints.join(';'),
    ssl: scheme === 'rocketmqs',
    display,
    ...(accessKey === undefined ? {} : { accessKey }),
    ...(secretKey === undefined ? {} : { secretKey }),
  };
}
