import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import {
  isTlsClientCertificateRefused,
  isTlsVerificationError,
  isTlsVerificationText,
  nodeTlsOptions,
  tlsOptionsSchema,
} from './tls-options.js';

describe('nodeTlsOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polybus-tls-opts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('verifies by default and reads the files', () => {
    expect(nodeTlsOptions(tlsOptionsSchema.parse({}))).toEqual({ rejectUnauthorized: true });
    const o = nodeTlsOptions(
      tlsOptionsSchema.parse({
        caFile: file('ca', 'CA'),
        certFile: file('cert', 'CERT'),
        keyFile: file('key', 'KEY'),
        keyPassphraseFile: file('pass', 'secret\n'),
        serverName: 'broker.internal',
        rejectUnauthorized: false,
      }),
    );
    expect(o).toEqual({
      rejectUnauthorized: false,
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
      passphrase: 'secret',
      servername: 'broker.internal',
    });
  });

  it('refuses a certificate without key, and names the path of an unreadable file only', () => {
    expect(() => nodeTlsOptions(tlsOptionsSchema.parse({ certFile: '/x' }))).toThrow(ConfigError);
    const missing = join(dir, 'absent.pem');
    expect(() => nodeTlsOptions(tlsOptionsSchema.parse({ caFile: missing }))).toThrow(
      `tls.caFile: cannot read ${missing} (ENOENT)`,
    );
  });

  it('rejects unknown keys', () => {
    expect(tlsOptionsSchema.safeParse({ ca: 'x' }).success).toBe(false);
  });
});

describe('isTlsVerificationError', () => {
  it('finds a certificate verification code on the error or its causes', () => {
    const tlsError = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(isTlsVerificationError(tlsError)).toBe(true);
    expect(isTlsVerificationError(new Error('wrapped', { cause: tlsError }))).toBe(true);
    expect(isTlsVerificationError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTlsVerificationError(undefined)).toBe(false);
  });
});

describe('isTlsVerificationText', () => {
  it.each([
    '14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate',
    'self-signed certificate',
    'self signed certificate in certificate chain',
    'unable to get local issuer certificate',
    'certificate has expired',
    'certificate is not yet valid',
    "Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1",
  ])('recognises %j', (text) => {
    expect(isTlsVerificationText(text)).toBe(true);
  });

  it.each([
    '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:8081',
    '14 UNAVAILABLE: Connection dropped',
    'check signature failed',
    '',
  ])('does not take %j for a certificate failure', (text) => {
    expect(isTlsVerificationText(text)).toBe(false);
  });
});

describe('isTlsClientCertificateRefused', () => {
  it('finds the server’s alert about the client certificate, not a server verification failure', () => {
    const alert = Object.assign(new Error('sslv3 alert bad certificate'), {
      code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    });
    expect(isTlsClientCertificateRefused(alert)).toBe(true);
    expect(isTlsClientCertificateRefused(new Error('wrapped', { cause: alert }))).toBe(true);
    expect(
      isTlsClientCertificateRefused(
        Object.assign(new Error('required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }),
      ),
    ).toBe(true);
    expect(isTlsVerificationError(alert)).toBe(false);
    const untrusted = Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(isTlsClientCertificateRefused(untrusted)).toBe(false);
    expect(isTlsClientCertificateRefused(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      false,
    );
  });
});
