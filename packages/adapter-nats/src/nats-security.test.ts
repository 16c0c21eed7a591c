import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@polybus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { natsOptionsSchema } from './nats-options.js';
import { natsSecurityOptions } from './nats-security.js';
import { parseNatsUrl } from './nats-url.js';

describe('natsSecurityOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polybus-nats-sec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const opts = (o: Record<string, unknown>) => natsOptionsSchema.parse(o);
  const url = parseNatsUrl('nats://h');

  it('takes user and password from the options, the password file winning', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 'from file\n');
    expect(natsSecurityOptions(url, opts({ user: 'u', password: 'inline' }))).toEqual({
      user: 'u',
      pass: 'inline',
    });
    expect(natsSecurityOptions(url, opts({ user: 'u', password: 'inline', passwordFile: file }))).toEqual({
      user: 'u',
      pass: 'from file',
    });
  });

  it('prefers credentials in the URL', () => {
    expect(natsSecurityOptions(parseNatsUrl('nats://a:b@h'), opts({ user: 'u', password: 'p' }))).toEqual({
      user: 'a',
      pass: 'b',
    });
  });

  it('refuses two kinds of credentials and a password without a user', () => {
    expect(() => natsSecurityOptions(url, opts({ user: 'u', token: 't' }))).toThrow(ConfigError);
    expect(() => natsSecurityOptions(url, opts({ token: 't', nkeySeedFile: '/x' }))).toThrow(
      'nats: give one kind of credentials, not token and nkeySeedFile',
    );
    expect(() => natsSecurityOptions(url, opts({ password: 'p' }))).toThrow('nats: a password needs a user');
  });

  it('names the path of an unreadable file, never its content', () => {
    expect(() => natsSecurityOptions(url, opts({ credsFile: join(dir, 'absent.creds') }))).toThrow(
      `credsFile: cannot read ${join(dir, 'absent.creds')} (ENOENT)`,
    );
  });

  it('builds TLS options only when tls is set and enabled, with verification on', () => {
    expect(natsSecurityOptions(url, opts({})).tls).toBeUndefined();
    expect(natsSecurityOptions(url, opts({ tls: { enabled: false } })).tls).toBeUndefined();
    expect(natsSecurityOptions(url, opts({ tls: { serverName: 'n' } })).tls).toEqual({
      rejectUnauthorized: true,
      servername: 'n',
    });
  });
});
