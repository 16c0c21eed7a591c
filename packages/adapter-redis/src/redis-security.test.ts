import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectFailure } from './redis-connection.js';
import { redisOptionsSchema } from './redis-options.js';
import { redisSecurityOptions } from './redis-security.js';

const opts = (o: Record<string, unknown> = {}) => redisOptionsSchema.parse(o);

describe('redisSecurityOptions', () => {
  it('adds nothing for a plain redis:// URL without credentials', () => {
    expect(redisSecurityOptions('redis://h', opts())).toEqual({});
  });

  it('uses TLS for rediss:// and for a tls block, verification on', () => {
    expect(redisSecurityOptions('rediss://h', opts())).toEqual({ tls: {} });
    expect(redisSecurityOptions('redis://h', opts({ tls: { serverName: 's' } }))).toEqual({
      tls: { rejectUnauthorized: true, servername: 's' },
    });
    expect(redisSecurityOptions('redis://h', opts({ tls: { enabled: false } }))).toEqual({});
  });

  it('takes user and password, the password file winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-redis-sec-'));
    try {
      writeFileSync(join(dir, 'pw'), 'from-file\r\n');
      expect(redisSecurityOptions('redis://h', opts({ username: 'u', password: 'p' }))).toEqual({
        username: 'u',
        password: 'p',
      });
      expect(
        redisSecurityOptions('redis://h', opts({ password: 'p', passwordFile: join(dir, 'pw') })),
      ).toEqual({
        password: 'from-file',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connectFailure', () => {
  it('types an auth failure, drops the driver error (it holds the AUTH arguments), redacts the URL', () => {
    const driver = Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
      command: { name: 'auth', args: ['u', 'hunter2'] },
    });
    const e = connectFailure('redis://u:hunter2@h:6379', driver);
    expect(e.retriable).toBe(false);
    expect(e.details).toEqual({ reason: 'auth' });
    expect(e.message).toBe('cannot connect to redis://***:***@h:6379: authentication failed (WRONGPASS)');
    expect(JSON.stringify(e)).not.toContain('hunter2');
    expect((e.cause as { command?: unknown }).command).toBeUndefined();
  });

  it('keeps a refused connection retriable', () => {
    const e = connectFailure('redis://h:1', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(e.retriable).toBe(true);
    expect(e.details).toBeUndefined();
  });
});
