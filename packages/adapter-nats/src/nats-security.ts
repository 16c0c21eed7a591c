import { ConfigError } from '@polybus/core';
import { nodeTlsOptions, readOptionFile } from '@polybus/core/adapter-kit';
import { type ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from 'nats';
import type { NatsTransportOptions } from './nats-options.js';
import type { NatsUrl } from './nats-url.js';

const withoutNewline = (text: string): string => text.replace(/\r?\n$/, '');

/**
 * The nats.js authentication and TLS options of a connection (reads the configured files): one of
 * user/password (URL or options; `passwordFile` wins over `password`), token (URL, `token` or
 * `tokenFile`), an NKEY seed file, or a `.creds` file (JWT + seed), and `tls` (CA, client certificate,
 * server name, verification on by default) when set and enabled. More than one kind of credential is a
 * {@link ConfigError}; unreadable files are ConfigErrors naming the option and path, never the content.
 */
export function natsSecurityOptions(url: NatsUrl, options: NatsTransportOptions): Partial<ConnectionOptions> {
  const user = url.user ?? options.user;
  const pass =
    url.pass ??
    (options.passwordFile !== undefined
      ? withoutNewline(readOptionFile(options.passwordFile, 'passwordFile'))
      : options.password);
  const token =
    url.token ??
    (options.tokenFile !== undefined
      ? withoutNewline(readOptionFile(options.tokenFile, 'tokenFile'))
      : options.token);
  const kinds = [
    user !== undefined ? 'user/password' : undefined,
    token !== undefined ? 'token' : undefined,
    options.nkeySeedFile !== undefined ? 'nkeySeedFile' : undefined,
    options.credsFile !== undefined ? 'credsFile' : undefined,
  ].filter((k) => k !== undefined);
  if (kinds.length > 1)
    throw new ConfigError(`nats: give one kind of credentials, not ${kinds.join(' and ')}`);
  if (pass !== undefined && user === undefined) throw new ConfigError('nats: a password needs a user');
  const out: Partial<ConnectionOptions> = {};
  if (user !== undefined) {
    out.user = user;
    out.pass = pass ?? '';
  }
  if (token !== undefined) out.token = token;
  if (options.nkeySeedFile !== undefined) {
    const seed = withoutNewline(readOptionFile(options.nkeySeedFile, 'nkeySeedFile')).trim();
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (options.credsFile !== undefined) {
    const creds = readOptionFile(options.credsFile, 'credsFile');
    out.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
  }
  if (options.tls?.enabled) out.tls = nodeTlsOptions(options.tls) as ConnectionOptions['tls'];
  return out;
}
