import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const QUICKSTART = fileURLToPath(new URL('../../../../examples/quickstart.yaml', import.meta.url));

/** Runs `main` with buffers for streams. */
async function cli(argv: string[], input = '') {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Readable.from([input]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('main (the CLI, imported)', () => {
  it('validates a config: exit 0 and a one-line summary on stdout', async () => {
    const result = await cli(['validate', '-c', QUICKSTART]);
    expect(result).toEqual({
      code: 0,
      stdout: `${QUICKSTART}: valid (3 route(s), 3 connection(s))\n`,
      stderr: '',
    });
  });

  it('exits 2 with file:line: path: problem for each problem, every one listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'connections: { a: memory://a }\nroutes:\n  - name: r\n    from: { connection: b, topic: x }\n    to: [{ connection: a, topic: y, nope: 1 }]\n',
    );
    const result = await cli(['validate', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:4: routes[0].from.connection: unknown connection "b" (defined: a)`,
      `${file}:5: routes[0].to[0].nope: unknown key`,
    ]);
  });

  it('answers --help with 0 on stdout, and an unknown command with 2 on stderr', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: polybus');
    const unknown = await cli(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'bogus'");
  });

  it('sends stdin lines to an address and says how many', async () => {
    const result = await cli(['send', 'memory://cli-test', '{"topic":"t"}'], 'a\nb\nc\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('polybus: sent 3 message(s)\n');
  });

  it('exits 2 when --options is not a JSON object', async () => {
    const result = await cli(['send', 'memory://cli-test', 't', '--options', '[1]']);
    expect(result).toMatchObject({ code: 2, stderr: 'polybus: --options must be a JSON object\n' });
  });
});
