import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@polybus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaOptionsSchema } from './kafka-options.js';
import { kafkaSaslOptions, kafkaTlsOptions } from './kafka-security.js';

const dir = mkdtempSync(join(tmpdir(), 'polybus-kafka-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const options = (input: Record<string, unknown>) => kafkaOptionsSchema.parse(input);

describe('kafkaTlsOptions', () => {
  it('is off for kafka:// without tls or ssl, and on (system CAs, verifying) for kafkas:// or ssl: true', () => {
    expect(kafkaTlsOptions('kafka://h:1', options({}))).toBeUndefined();
    expect(kafkaTlsOptions('kafkas://h:1', options({}))).toEqual({ rejectUnauthorized: true });
    expect(kafkaTlsOptions('kafka://h:1', options({ ssl: true }))).toEqual({ rejectUnauthorized: true });
  });

  it('reads the CA, certificate and key files and passes servername and rejectUnauthorized', () => {
    const ca = file('ca.pem', 'CA-PEM');
    const cert = file('cert.pem', 'CERT-PEM');
    const key = file('key.pem', 'KEY-PEM');
    const tls = kafkaTlsOptions(
      'kafka://h:1',
      options({ tls: { ca, cert, key, servername: 'broker.example', rejectUnauthorized: false } }),
    );
    expect(String(tls?.ca)).toBe('CA-PEM');
    expect(String(tls?.cert)).toBe('CERT-PEM');
    expect(String(tls?.key)).toBe('KEY-PEM');
    expect(tls?.servername).toBe('broker.example');
    expect(tls?.rejectUnauthorized).toBe(false);
    expect(kafkaTlsOptions('kafka://h:1', options({ tls: {} }))).toEqual({ rejectUnauthorized: true });
  });

  it('throws ConfigError naming the option and path of an unreadable file', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => kafkaTlsOptions('kafka://h:1', options({ tls: { ca: missing } }))).toThrow(ConfigError);
    expect(() => kafkaTlsOptions('kafka://h:1', options({ tls: { ca: missing } }))).toThrow(
      `tls.ca: cannot read "${missing}" (ENOENT)`,
    );
  });

  it('refuses a client certificate without its key, and unknown tls keys', () => {
    expect(kafkaOptionsSchema.safeParse({ tls: { cert: 'c.pem' } }).success).toBe(false);
    expect(kafkaOptionsSchema.safeParse({ tls: { key: 'k.pem' } }).success).toBe(false);
    expect(kafkaOptionsSchema.safeParse({ tls: { verify: false } }).success).toBe(false);
  });
});

describe('kafkaSaslOptions', () => {
  it('maps each mechanism, and is undefined without sasl', () => {
    expect(kafkaSaslOptions(options({}))).toBeUndefined();
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      expect(kafkaSaslOptions(options({ sasl: { mechanism, username: 'u', password: 'p' } }))).toEqual({
        mechanism,
        username: 'u',
        password: 'p',
      });
    }
  });

  it('refuses an unknown mechanism or a missing username', () => {
    expect(
      kafkaOptionsSchema.safeParse({ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }).success,
    ).toBe(false);
    expect(
      kafkaOptionsSchema.safeParse({ sasl: { mechanism: 'plain', username: '', password: 'p' } }).success,
    ).toBe(false);
  });
});
