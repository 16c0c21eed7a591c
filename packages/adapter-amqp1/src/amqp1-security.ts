import { isIP } from 'node:net';
import { ConfigError, ConnectionError, redactText } from '@polybus/core';
import {
  isTlsClientCertificateRefused,
  isTlsVerificationError,
  nodeTlsOptions,
  readOptionFile,
} from '@polybus/core/adapter-kit';
import type { Amqp1TransportOptions } from './amqp1-options.js';
import type { Amqp1Endpoint } from './amqp1-url.js';

/**
 * The SASL and TLS part of the rhea connection options (reads the configured files). SASL PLAIN with
 * `username` and `passwordFile` (one trailing newline removed) / `password` when set, else the URL's
 * userinfo; ANONYMOUS without a user. TLS for `amqps1://` or an enabled `tls` block (which turns
 * `amqp1://` into TLS): CA, client certificate and key, server name (default the URL host) from
 * `tls`, verification on unless `rejectUnauthorized: false`; without a `tls` block the older `ca`
 * (PEM text) and `rejectUnauthorized` options apply. Throws {@link ConfigError} naming the option,
 * never a secret.
 */
export function amqp1SecurityOptions(
  endpoint: Amqp1Endpoint,
  options: Amqp1TransportOptions,
): Record<string, unknown> {
  const fromOptions = options.username !== undefined;
  if (!fromOptions && (options.password !== undefined || options.passwordFile !== undefined))
    throw new ConfigError('amqp1: a password needs a username');
  const username = fromOptions ? options.username : endpoint.username;
  const password = !fromOptions
    ? endpoint.password
    : options.passwordFile !== undefined
      ? readOptionFile(options.passwordFile, 'passwordFile').replace(/\r?\n$/, '')
      : options.password;
  // SASL PLAIN with a user and password; ANONYMOUS otherwise
  const sasl = { username: username ?? 'anonymous', password };
  const tls = options.tls?.enabled ? options.tls : undefined;
  // SNI takes host names only (Node warns about an IP address; rhea would put the host there): '' sends
  // none, and the certificate is still checked against the host
  const servername = { servername: isIP(endpoint.host) === 0 ? endpoint.host : '' };
  if (tls !== undefined) return { ...sasl, transport: 'tls', ...servername, ...nodeTlsOptions(tls) };
  if (endpoint.tls)
    return {
      ...sasl,
      transport: 'tls',
      rejectUnauthorized: options.rejectUnauthorized,
      ca: options.ca,
      ...servername,
    };
  return { ...sasl, transport: 'tcp' };
}

/**
 * The error a first `connect()` rejects with (pure): a refused login (`loginRefused`: SASL outcome
 * or connection close `amqp:unauthorized-access`), an untrusted server certificate or a client
 * certificate the server refused is not retriable and says so in `details.reason` (`auth` / `tls`);
 * anything else is retriable. `error.message` is already redacted.
 */
export function amqp1ConnectFailure(error: Error, loginRefused: boolean): ConnectionError {
  if (loginRefused)
    return new ConnectionError(`${error.message} (authentication failed)`, {
      cause: error,
      retriable: false,
      details: { reason: 'auth' },
    });
  if (isTlsVerificationError(error) || isTlsClientCertificateRefused(error))
    return new ConnectionError(error.message, { cause: error, retriable: false, details: { reason: 'tls' } });
  return new ConnectionError(error.message, { cause: error });
}

/**
 * When a disconnect's error says the server certificate failed verification, or the server refused
 * the client certificate (a TLS alert: none sent where one is required, or an untrusted one), the
 * error the first connect fails with at once (rhea would retry until the timeout); otherwise
 * undefined. Pure.
 */
export function tlsRefusal(where: string, error: unknown): Error | undefined {
  const what = isTlsVerificationError(error)
    ? 'TLS server certificate not trusted'
    : isTlsClientCertificateRefused(error)
      ? 'TLS client certificate refused by the server (none sent, or one it does not trust)'
      : undefined;
  if (what === undefined) return undefined;
  const text = redactText(error instanceof Error ? error.message : String(error)).trim();
  return Object.assign(new Error(`amqp1: could not connect to ${where}: ${what} (${text})`), {
    cause: error,
    code: (error as { code?: unknown }).code,
  });
}
