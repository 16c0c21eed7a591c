import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amqpOptionsSchema } from './amqp-options.js';
import { amqpConnectFailure, amqpDialSettings, isPermanentConnectFailure } from './amqp-security.js';

const opts = (o: Record<string, unknown> = {}) => amqpOptionsSchema.parse(o);

describe('amqpDialSettings', () => {
  it('sets the heartbeat unless the URL does, and nothing else without TLS or credentials', () => {
    const s = amqpDialSettings('amqp://u:p@h:5672/v', opts({ heartbeatSeconds: 7 }));
    expect(s.url).toBe('amqp://u:p@h:5672/v?heartbeat=7');
    expect(s.socketOptions).toEqual({ clientProperties: {}, timeout: 10_000 });
    expect(amqpDialSettings('amqp://h?heartbeat=3', opts()).url).toBe('amqp://h?heartbeat=3');
  });

  it('switches to amqps with TLS options, verification on by default', () => {
    const s = amqpDialSettings('amqp://h', opts({ tls: { serverName: 'broker' } }));
    expect(s.url.startsWith('amqps://h')).toBe(true);
    expect(s.socketOptions).toMatchObject({ rejectUnauthorized: true, servername: 'broker' });
    expect(amqpDialSettings('amqp://h', opts({ tls: { enabled: false } })).url.startsWith('amqp://')).toBe(
      true,
    );
  });

  it('uses PLAIN credentials from the options (file first) only when the URL has none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-amqp-sec-'));
    try {
      writeFileSync(join(dir, 'pw'), 'from-file\n');
      const s = amqpDialSettings(
        'amqp://h',
        opts({ username: 'u', password: 'x', passwordFile: join(dir, 'pw') }),
      );
      expect(s.socketOptions.credentials).toMatchObject({
        mechanism: 'PLAIN',
        username: 'u',
        password: 'from-file',
      });
      expect(
        amqpDialSettings('amqp://a:b@h', opts({ username: 'u', password: 'x' })).socketOptions.credentials,
      ).toBe(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses EXTERNAL without TLS and a client certificate, and a password without a user', () => {
    expect(() => amqpDialSettings('amqp://h', opts({ authMechanism: 'EXTERNAL' }))).toThrow(
      /EXTERNAL needs TLS/,
    );
    expect(() => amqpDialSettings('amqp://h', opts({ password: 'p' }))).toThrow(
      'amqp: a password needs a username',
    );
  });
});

describe('amqpConnectFailure', () => {
  it('marks a refused login as permanent, names no secret', () => {
    const driver = new Error(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
    );
    expect(isPermanentConnectFailure(driver)).toBe(true);
    const e = amqpConnectFailure('amqps://u:s3cret@h:5671', 'x', driver);
    expect(e.retriable).toBe(false);
    expect(e.details).toEqual({ reason: 'auth' });
    expect(e.message).toBe(
      'cannot connect to amqps://***:***@h:5671: authentication failed (ACCESS_REFUSED)',
    );
  });

  it('keeps other failures retriable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isPermanentConnectFailure(refused)).toBe(false);
    expect(amqpConnectFailure('amqp://h:1', 'connect ECONNREFUSED', refused).retriable).toBe(true);
  });
});
