import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * TLS settings shared by every adapter's options (`options.tls`). Files are read when the transport
 * connects; their content never appears in errors or logs. Verification of the server certificate is
 * on unless `rejectUnauthorized: false` says otherwise.
 */
export const tlsOptionsSchema = z.strictObject({
  /** Use TLS even when the URL scheme does not say so (`amqp://`, `redis://`, `nats://`). */
  enabled: z.boolean().default(true),
  /** PEM file of the CA(s) that signed the server certificate; default: the system CAs. */
  caFile: z.string().min(1).optional(),
  /** PEM file of the client certificate (mutual TLS, AMQP EXTERNAL). */
  certFile: z.string().min(1).optional(),
  /** PEM file of the client certificate's private key. */
  keyFile: z.string().min(1).optional(),
  /** File holding the passphrase of an encrypted `keyFile`. */
  keyPassphraseFile: z.string().min(1).optional(),
  /** Name the server certificate must be valid for (SNI and verification); default: the URL host. */
  serverName: z.string().min(1).optional(),
  /** Verify the server certificate chain and name. Turning it off allows any man in the middle. */
  rejectUnauthorized: z.boolean().default(true),
});

/** Validated TLS settings (the output of {@link tlsOptionsSchema}). */
export type TlsOptions = z.output<typeof tlsOptionsSchema>;

/**
 * Reads a secret or PEM file named by an option, as text. Throws {@link ConfigError} naming the option
 * and the path (never the content) when it cannot be read. Synchronous.
 */
export function readOptionFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new ConfigError(`${option}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause: error,
    });
  }
}

/**
 * Node `tls.connect` options from {@link TlsOptions}: files read (errors name the option and path),
 * `servername` and `rejectUnauthorized` set. A `certFile` without `keyFile` (or the reverse) is a
 * {@link ConfigError}. Safe to call more than once (re-reads the files, so rotated certificates are
 * picked up on reconnect when a caller calls it again).
 */
export function nodeTlsOptions(options: TlsOptions): ConnectionOptions {
  if ((options.certFile === undefined) !== (options.keyFile === undefined))
    throw new ConfigError('tls: certFile and keyFile must be given together');
  const out: ConnectionOptions = { rejectUnauthorized: options.rejectUnauthorized };
  if (options.caFile !== undefined) out.ca = readOptionFile(options.caFile, 'tls.caFile');
  if (options.certFile !== undefined) out.cert = readOptionFile(options.certFile, 'tls.certFile');
  if (options.keyFile !== undefined) out.key = readOptionFile(options.keyFile, 'tls.keyFile');
  if (options.keyPassphraseFile !== undefined)
    out.passphrase = readOptionFile(options.keyPassphraseFile, 'tls.keyPassphraseFile').replace(/\r?\n$/, '');
  if (options.serverName !== undefined) out.servername = options.serverName;
  return out;
}

const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * TLS alerts a server sends when it refuses the client's certificate (none sent where one is
 * required, or one it does not trust), as Node's error codes.
 */
const TLS_CLIENT_CERTIFICATE_CODES = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
]);

/** True when `error` or one of its first causes has a `code` in `codes`. Pure. */
function hasCodeIn(error: unknown, codes: ReadonlySet<string>): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when `error` (or one of its causes) says the server certificate failed verification (unknown
 * CA, wrong name, expired…): a configuration problem that retrying does not fix. Pure.
 */
export function isTlsVerificationError(error: unknown): boolean {
  return hasCodeIn(error, TLS_VERIFICATION_CODES);
}

/**
 * Node's and OpenSSL's messages for the codes {@link isTlsVerificationError} knows (with or without
 * OpenSSL 3's hyphen in "self-signed"), for clients that pass on only the text of the TLS error —
 * grpc-js reports `14 UNAVAILABLE: No connection established. Last error: Error: <message>`.
 */
const TLS_VERIFICATION_TEXT =
  /unable to verify the first certificate|unable to get (?:local )?issuer certificate|self[- ]signed certificate|certificate has expired|certificate is not yet valid|certificate not trusted|certificate rejected|certificate signature failure|Hostname\/IP does not match certificate's altnames/i;

/**
 * True when the text of an error says the server certificate failed verification (see
 * {@link isTlsVerificationError}), for errors that carry no Node error code. Pure.
 */
export function isTlsVerificationText(text: string): boolean {
  return TLS_VERIFICATION_TEXT.test(text);
}

/**
 * True when `error` (or one of its causes) is a TLS alert by which the server refused the client
 * certificate (none sent where one is required, or one it does not trust): a configuration problem
 * that retrying does not fix either. Pure.
 */
export function isTlsClientCertificateRefused(error: unknown): boolean {
  return hasCodeIn(error, TLS_CLIENT_CERTIFICATE_CODES);
}
