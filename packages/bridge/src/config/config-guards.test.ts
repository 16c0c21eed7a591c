import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterDescriptor, ConfigError, createRegistry, memoryAdapter } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { printableKey, readConfigText } from './config-guards.js';
import { ConfigFileError, formatProblem } from './config-problem.js';
import { parseConfig } from './load-config.js';

const registry = createRegistry(memoryAdapter, stdioAdapter);
const dir = mkdtempSync(join(tmpdir(), 'polybus-guards-'));

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return (error as ConfigFileError).problems.map(formatProblem);
}

function parseProblems(text: string): string[] {
  try {
    parseConfig(text, 'c.yaml', { registry, env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as ConfigFileError).problems.map(formatProblem);
  }
  throw new Error('expected problems');
}

describe('readConfigText', () => {
  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    expect(await problemsOf(readConfigText(fifo))).toEqual([
      `${fifo}: (root): not a regular file (a config must be a plain file)`,
    ]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
  it('refuses a device and a directory', async () => {
    expect(await problemsOf(readConfigText('/dev/zero'))).toEqual([
      '/dev/zero: (root): not a regular file (a config must be a plain file)',
    ]);
    expect((await problemsOf(readConfigText(dir)))[0]).toMatch(/not a regular file/);
  });
  it('refuses a file over the size cap and reads one at the cap', async () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, 'x'.repeat(101));
    expect((await problemsOf(readConfigText(file, 100)))[0]).toMatch(
      /file too large \(101 bytes; at most 100/,
    );
    await expect(readConfigText(file, 101)).resolves.toHaveLength(101);
  });
  it('says file not found for a missing file', async () => {
    expect(await problemsOf(readConfigText(join(dir, 'none.yaml')))).toEqual([
      `${join(dir, 'none.yaml')}: (root): file not found`,
    ]);
  });
});

describe('parseConfig on hostile input', () => {
  it('refuses __proto__, constructor and prototype keys anywhere, with their line', () => {
    const problems = parseProblems(`connections:
  a: memory://a
http: { __proto__: { host: 0.0.0.0 } }
routes:
  - name: r
    from: { connection: a, topic: t, group: g }
    to: [{ connection: a, topic: u, constructor: 1 }]
    prototype: 2
`);
    expect(problems).toEqual([
      'c.yaml:3: (root): forbidden key __proto__',
      'c.yaml:7: (root): forbidden key constructor',
      'c.yaml:8: (root): forbidden key prototype',
    ]);
  });
  it('does not quote a line of a file that is not a config', () => {
    const shadow = 'root:$6$salt$hashhashhash:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n';
    const problems = parseProblems(shadow);
    expect(problems).toEqual([
      'c.yaml: (root): not a polybus config (expected a mapping with connections and routes)',
    ]);
    expect(problems.join('\n')).not.toContain('hashhash');
  });
  it('does not echo an unknown key that is not a name', () => {
    expect(printableKey('maxInFlight')).toBe('maxInFlight');
    expect(printableKey('root:$6$salt:1')).toBe('(unprintable key)');
  });
});

describe('validate runs the adapter URL check that run does', () => {
  it('reports a URL the adapter refuses in create (no I/O), at the connection', () => {
    const strict: AdapterDescriptor = {
      ...memoryAdapter,
      scheme: 'strict',
      aliases: [],
      create(url, options, context) {
        if (url.includes('bad')) throw new ConfigError('strict URL refused');
        return memoryAdapter.create(url.replace('strict:', 'memory:'), options, context);
      },
    };
    const strictRegistry = createRegistry(strict, memoryAdapter, stdioAdapter);
    const text = (url: string) => `connections:
  a: "${url}"
routes:
  - name: r
    from: { connection: a, topic: t, group: g }
    to: [{ connection: a, topic: u }]
`;
    expect(() =>
      parseConfig(text('strict://ok'), 'c.yaml', { registry: strictRegistry, env: {} }),
    ).not.toThrow();
    let problems: string[] = [];
    try {
      parseConfig(text('strict://bad'), 'c.yaml', { registry: strictRegistry, env: {} });
    } catch (error) {
      problems = (error as ConfigFileError).problems.map(formatProblem);
    }
    expect(problems).toEqual(['c.yaml:2: connections.a: strict URL refused']);
  });
});
