import { ConfigError, ConnectionError, redactUrl } from '@polybus/core';
import { isTlsVerificationError, nodeTlsOptions, readOptionFile } from '@polybus/core/adapter-kit';
import { credentials } from 'amqplib';
import type { AmqpTransportOptions } from './amqp-options.js';

/** What `amqplib.connect` is called with: the URL and the socket options (TLS, SASL credentials). */
export interface AmqpDialSettings {
  readonly url: string;
  readonly socketOptions: Record<string, unknown>;
}

/**
 * The amqplib connect arguments of a transport (reads the configured files): the URL with the
 * heartbeat set (unless the URL sets it) and `amqps:` when `options.tls` is set and enabled; TLS socket
 * options (CA, client certificate, server name, verification on by default); and the SASL mechanism:
 * `EXTERNAL` (the client certificate names the user; needs TLS with `certFile`/`keyFile`), or `PLAIN`
 * with `username` and `password`/`passwordFile` when the URL carries no credentials (URL credentials
 * take precedence, as before). Throws {@link ConfigError} naming the option, never a secret.
 */
export function amqpDialSettings(url: string, options: AmqpTransportOptions): AmqpDialSettings {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(options.heartbeatSeconds));
  const tls = options.tls?.enabled ? options.tls : undefined;
  if (tls !== undefined && u.protocol === 'amqp:') u.protocol = 'amqps:';
  const socketOptions: Record<string, unknown> = {};
  if (tls !== undefined) Object.assign(socketOptions, nodeTlsOptions(tls));
  const clientProperties = options.connectionName ? { connection_name: options.connectionName } : {};
  socketOptions.clientProperties = clientProperties;
  socketOptions.timeout = 10_000;
  if (options.authMechanism === 'EXTERNAL') {
    if (u.protocol !== 'amqps:' || tls?.certFile === undefined)
      throw new ConfigError(
        'amqp: authMechanism EXTERNAL needs TLS with a client certificate (tls.certFile, tls.keyFile)',
      );
    socketOptions.credentials = credentials.external();
  } else if (u.username === '' && u.password === '' && options.username !== undefined) {
    const password =
      options.passwordFile !== undefined
        ? readOptionFile(options.passwordFile, 'passwordFile').replace(/\r?\n$/, '')
        : (options.password ?? '');
    socketOptions.credentials = credentials.plain(options.username, password);
  } else if (options.password !== undefined || options.passwordFile !== undefined) {
    if (options.username === undefined) throw new ConfigError('amqp: a password needs a username');
  }
  return { url: u.toString(), socketOptions };
}

/**
 * True when a connect failure will not go away by retrying: the broker refused the credentials
 * (`ACCESS_REFUSED`, 403) or the server certificate failed verification. Pure.
 */
export function isPermanentConnectFailure(error: unknown): boolean {
  return failureReason(error) !== undefined;
}

function failureReason(error: unknown): 'auth' | 'tls' | undefined {
  const text = error instanceof Error ? error.message : String(error);
  if (/ACCESS[_-]REFUSED|\b403\b/.test(text)) return 'auth';
  if (isTlsVerificationError(error)) return 'tls';
  return undefined;
}

/**
 * The {@link ConnectionError} after the first connect failed for good: a refused login or an
 * untrusted server certificate is not retriable and says so (`details.reason` `auth` / `tls`).
 * `detail` is the already redacted driver text; the URL is redacted. Pure.
 */
export function amqpConnectFailure(url: string, detail: string, error: unknown): ConnectionError {
  const reason = failureReason(error);
  const where = `cannot connect to ${redactUrl(url)}`;
  if (reason === 'auth')
    return new ConnectionError(`${where}: authentication failed (ACCESS_REFUSED)`, {
      cause: error,
      retriable: false,
      details: { reason },
    });
  if (reason === 'tls')
    return new ConnectionError(`${where}: TLS server certificate not trusted (${detail})`, {
      cause: error,
      retriable: false,
      details: { reason },
    });
  return new ConnectionError(`${where}: ${detail}`, { cause: error });
}
