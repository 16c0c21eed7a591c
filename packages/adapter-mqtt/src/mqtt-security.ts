import { nodeTlsOptions, readOptionFile } from '@polybus/core/adapter-kit';
import type { IClientOptions } from 'mqtt';
import type { MqttTransportOptions } from './mqtt-options.js';
import type { MqttEndpoint } from './mqtt-url.js';

/**
 * The credential and TLS part of the mqtt.js options of one connection (reads the configured files,
 * so call it per connection and rotated files are picked up). Credentials: `passwordFile` (one
 * trailing newline removed), else `password`, else the URL's; `username` likewise. TLS: `mqtts://`,
 * or `options.tls` set and enabled (which turns `mqtt://` into TLS); CA, client certificate and key,
 * passphrase and server name from `options.tls`; verification on unless `rejectUnauthorized: false`.
 * Throws a ConfigError naming the option and path, never a file's content.
 */
export function mqttSecurityOptions(endpoint: MqttEndpoint, options: MqttTransportOptions): IClientOptions {
  const tls = options.tls?.enabled ? options.tls : undefined;
  const username = options.username ?? endpoint.username;
  const password =
    options.passwordFile !== undefined
      ? readOptionFile(options.passwordFile, 'passwordFile').replace(/\r?\n$/, '')
      : (options.password ?? endpoint.password);
  const out: IClientOptions = {
    protocol: tls !== undefined ? 'mqtts' : endpoint.protocol,
    rejectUnauthorized: options.rejectUnauthorized,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  if (tls !== undefined) Object.assign(out, nodeTlsOptions(tls));
  return out;
}
