import { nodeTlsOptions, readOptionFile } from '@polybus/core/adapter-kit';
import type { RedisOptions } from 'ioredis';
import type { RedisTransportOptions } from './redis-options.js';

/**
 * The ioredis authentication and TLS options of a connection (pure apart from reading the configured
 * files): `username`, `password` or `passwordFile` (trailing newline removed) when set — credentials in
 * the URL take precedence, as ioredis merges them first — and TLS when the URL is `rediss://` or
 * `options.tls` is set and enabled (CA, client certificate, server name; verification on by default).
 */
export function redisSecurityOptions(url: string, options: RedisTransportOptions): RedisOptions {
  const out: RedisOptions = {};
  if (options.username !== undefined) out.username = options.username;
  if (options.passwordFile !== undefined)
    out.password = readOptionFile(options.passwordFile, 'passwordFile').replace(/\r?\n$/, '');
  else if (options.password !== undefined) out.password = options.password;
  const tlsByScheme = /^rediss:\/\//i.test(url);
  if (options.tls?.enabled) out.tls = nodeTlsOptions(options.tls);
  else if (tlsByScheme) out.tls = {};
  return out;
}
