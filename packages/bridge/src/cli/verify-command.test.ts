import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Readable.from(['']),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

function config(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'polybus-verify-cli-')), 'polybus.yaml');
  writeFileSync(file, text);
  return file;
}

const MEMORY = config(`connections:
  a: memory://a
routes:
  - name: r
    from: { connection: a, topic: in, group: g }
    to: [{ connection: a, topic: out }]
`);

describe('polybus verify: what it refuses (exit 2) before reading anything', () => {
  it('names the routes when the route does not exist', async () => {
    expect(await cli(['verify', '-c', MEMORY, '--route', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'polybus verify: no route "nope" (routes: r)\n',
    });
  });

  it('refuses a sink index the route does not have, and a route without --route', async () => {
    const result = await cli(['verify', '-c', MEMORY, '--route', 'r', '--sink', '3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sink must be a sink index of route r (0..0)');
    expect((await cli(['verify', '-c', MEMORY])).code).toBe(2);
  });

  it('refuses a sink that cannot be read without consuming it', async () => {
    const result = await cli(['verify', '-c', MEMORY, '--route', 'r']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the sink a (memory) cannot be read without consuming it');
  });

  it('exits 2 for an invalid config, as every command does', async () => {
    const result = await cli(['verify', '-c', config('routes: []\n'), '--route', 'r']);
    expect(result.code).toBe(2);
  });
});
