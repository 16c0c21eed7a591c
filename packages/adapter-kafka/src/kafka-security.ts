import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@polybus/core';
import type { SASLOptions } from 'kafkajs';
import { isKafkaTlsUrl, type KafkaTransportOptions } from './kafka-options.js';

/** Reads one PEM file named by the option `tls.<name>`; ConfigError (naming option and path) if unreadable. */
function readPem(name: 'ca' | 'cert' | 'key', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`kafka option tls.${name}: cannot read "${path}" (${reason})`, { cause: error });
  }
}

/**
 * The kafkajs `ssl` setting for `url` and `options`: undefined (plain TCP) unless TLS is asked for by a
 * `kafkas://` URL, `ssl: true` or a `tls` object; then Node TLS options with the CA, client cert and key
 * read from their files (synchronously: call once, when the transport is created), the servername and
 * `rejectUnauthorized` (default true). Throws {@link ConfigError} when a file cannot be read.
 */
export function kafkaTlsOptions(url: string, options: KafkaTransportOptions): ConnectionOptions | undefined {
  const tls = options.tls ?? (options.ssl || isKafkaTlsUrl(url) ? { rejectUnauthorized: true } : undefined);
  if (tls === undefined) return undefined;
  const result: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.ca !== undefined) result.ca = readPem('ca', tls.ca);
  if (tls.cert !== undefined) result.cert = readPem('cert', tls.cert);
  if (tls.key !== undefined) result.key = readPem('key', tls.key);
  if (tls.servername !== undefined) result.servername = tls.servername;
  return result;
}

/** The kafkajs `sasl` setting for `options`, or undefined without SASL. Pure. */
export function kafkaSaslOptions(options: KafkaTransportOptions): SASLOptions | undefined {
  const { sasl } = options;
  if (sasl === undefined) return undefined;
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
