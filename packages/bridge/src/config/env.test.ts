// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references on purpose

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMissing, substituteEnv, substituteString } from './env.js';
import { MAX_SECRET_FILE_BYTES } from './secret-file.js';

describe('substituteString', () => {
  it('replaces ${VAR} and ${VAR:-default}', () => {
    const env = { HOST: 'rabbit', EMPTY: '' };
    expect(substituteString('amqp://${HOST}:5672', env)).toMatchObject({
      value: 'amqp://rabbit:5672',
      missing: [],
    });
    expect(substituteString('${PORT:-5672}', env)).toMatchObject({ value: '5672', missing: [] });
    expect(substituteString('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteString('${EMPTY}', env)).toMatchObject({ value: '', missing: [] });
  });
  it('reports variables with neither value nor default', () => {
    expect(substituteString('${A}-${B}', {})).toMatchObject({ value: '-', missing: ['A', 'B'] });
  });
  it('leaves $${VAR} as a literal', () => {
    expect(substituteString('$${HOME}', { HOME: '/root' }).value).toBe('${HOME}');
  });
});

describe('substituteEnv', () => {
  it('substitutes every string, deep, and reports the path of missing ones', () => {
    const input = {
      connections: { a: 'amqp://${USER}:${PASS}@h' },
      routes: [{ to: [{ topic: '${T}' }] }],
      n: 3,
    };
    const { value, missing } = substituteEnv(input, { USER: 'u', PASS: 'p' });
    expect(value).toEqual({ connections: { a: 'amqp://u:p@h' }, routes: [{ to: [{ topic: '' }] }], n: 3 });
    expect(missing).toEqual([{ path: ['routes', 0, 'to', 0, 'topic'], name: 'T' }]);
  });
});

describe('${file:/path} secrets', () => {
  let dir: string;
  const secret = 'pa ss/w@rd:1';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polybus-secrets-'));
    writeFileSync(join(dir, 'pw'), `${secret}\n`);
    writeFileSync(join(dir, 'crlf'), 'tok\r\n\n');
    writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 97));
    symlinkSync(join(dir, 'pw'), join(dir, 'link'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('substitutes the file content without its trailing newline', () => {
    const url = `amqp://app:\${file:${join(dir, 'pw')}}@h/`;
    expect(substituteString(url, {}).value).toBe(`amqp://app:${secret}@h/`);
    expect(substituteString(`\${file:${join(dir, 'crlf')}}`, {}).value).toBe('tok\r\n');
    expect(substituteString(`\${file:${join(dir, 'link')}}`, {}).value).toBe(secret);
  });

  it('does not scan a substituted value again', () => {
    writeFileSync(join(dir, 'ref'), '${HOME}');
    expect(substituteString(`\${file:${join(dir, 'ref')}}`, { HOME: '/root' }).value).toBe('${HOME}');
  });

  it('uses the default when the file cannot be read, and reports it by path otherwise', () => {
    const path = join(dir, 'absent');
    expect(substituteString(`\${file:${path}:-dflt}`, {}).value).toBe('dflt');
    const r = substituteString(`x\${file:${path}}y`, {});
    expect(r.value).toBe('xy');
    expect(r.missing).toEqual([`file:${path}`]);
    expect(r.unresolved[0]?.reason).toBe(`cannot open secret file ${path} (ENOENT)`);
  });

  it('refuses directories, devices, oversized files and relative paths without blocking or echoing', () => {
    const cases: [string, RegExp][] = [
      [dir, /is not a regular file/],
      ['/dev/zero', /is not a regular file/],
      [join(dir, 'big'), /is larger than 65536 bytes/],
      ['run/secrets/x', /must be absolute/],
    ];
    for (const [path, reason] of cases) {
      const r = substituteString(`\${file:${path}}`, {});
      expect(r.value).toBe('');
      expect(r.unresolved[0]?.reason).toMatch(reason);
      expect(r.unresolved[0]?.reason).toContain(path);
    }
  });

  it('reports the path of an unreadable file deep in the config, and never its content', () => {
    writeFileSync(join(dir, 'dir-secret'), secret);
    const input = {
      connections: { a: `redis://:\${file:${join(dir, 'nope')}}@h` },
      b: `\${file:${join(dir, 'dir-secret')}}`,
    };
    const { value, missing } = substituteEnv(input, {});
    expect(value).toEqual({ connections: { a: 'redis://:@h' }, b: secret });
    expect(missing).toEqual([
      {
        path: ['connections', 'a'],
        name: `file:${join(dir, 'nope')}`,
        reason: `cannot open secret file ${join(dir, 'nope')} (ENOENT)`,
      },
    ]);
    expect(describeMissing(missing[0] as (typeof missing)[0])).not.toContain(secret);
    expect(describeMissing({ name: 'API_TOKEN' })).toBe(
      'environment variable API_TOKEN is not set (use ${API_TOKEN:-default} for a default)',
    );
  });
});

describe('substituteEnv keys', () => {
  it('keeps a __proto__ key as an own key instead of setting the prototype', () => {
    const input = JSON.parse('{"http":{"__proto__":{"host":"0.0.0.0"}}}') as unknown;
    const { value } = substituteEnv(input, {});
    const http = (value as { http: Record<string, unknown> }).http;
    expect(Object.getPrototypeOf(http)).toBe(Object.prototype);
    expect((http as { host?: unknown }).host).toBeUndefined();
    expect(Object.keys(http)).toEqual(['__proto__']);
  });
});
