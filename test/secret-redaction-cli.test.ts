import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from './helpers/bridge-process.js';

/**
 * Connection URLs with planted secrets (nothing listens on these ports, so every command fails and
 * prints its error): no output channel of `send`, `tail` or `validate` may contain a secret.
 */
const CASES: readonly { name: string; url: string; secrets: string[] }[] = [
  {
    name: 'secret query parameter',
    url: 'redis://127.0.0.1:16090/?password=PLANTED1',
    secrets: ['PLANTED1'],
  },
  {
    name: 'password holding @',
    url: 'amqp://guest:se@PLANTED2@127.0.0.1:16091',
    secrets: ['PLANTED2', 'se@'],
  },
  {
    name: 'nats password holding /',
    url: 'nats://u:pa/PLANTED3@127.0.0.1:16092',
    secrets: ['PLANTED3', 'pa/'],
  },
  {
    name: 'nats password holding a space',
    url: 'nats://u:pa PLANTED4@127.0.0.1:16092',
    secrets: ['PLANTED4'],
  },
  { name: 'redis password', url: 'redis://:PLANTED5@127.0.0.1:16090', secrets: ['PLANTED5'] },
  {
    name: 'amqp password holding /',
    url: 'amqp://u:pa/PLANTED6@127.0.0.1:16091/',
    secrets: ['PLANTED6', 'pa/'],
  },
  {
    name: 'token query parameter',
    url: 'amqp://127.0.0.1:16091/?token=PLANTED7&heartbeat=5',
    secrets: ['PLANTED7'],
  },
];

function expectClean(output: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(output, `"${secret}" leaked:\n${output}`).not.toContain(secret);
}

describe('credentials never reach CLI output', () => {
  it.each(CASES)('send and tail: $name', async ({ url, secrets }) => {
    const send = await runCli(['send', url, '"x"'], { input: 'hello\n', timeoutMs: 60_000 });
    expect(send.code).not.toBe(0);
    expect(send.stderr.length).toBeGreaterThan(0);
    expectClean(send.stdout + send.stderr, secrets);
    const tail = await runCli(['tail', url, '"x"'], { timeoutMs: 60_000 });
    expect(tail.code).not.toBe(0);
    expectClean(tail.stdout + tail.stderr, secrets);
  });

  it.each(CASES)('validate: $name', async ({ url, secrets }) => {
    const file = writeConfig(`connections:
  c: ${JSON.stringify(url)}
  io: stdio://
routes:
  - name: r
    from: { connection: io }
    to:
      - { connection: c, topic: out, queue: out, subject: out, stream: out }
`);
    const result = await runCli(['validate', '-c', file]);
    expectClean(result.stdout + result.stderr, secrets);
  });
});

describe('secrets from files in the config', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-secret-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const config = (ref: string): string =>
    writeConfig(`connections:
  c:
    url: redis://127.0.0.1:16090
    options: { username: app, password: "${ref}" }
  io: stdio://
routes:
  - name: r
    from: { connection: io }
    to:
      - { connection: c, stream: out }
`);

  it('validate reads a file: reference and never prints the secret', async () => {
    const secretFile = join(tempDir(), 'redis-password');
    writeFileSync(secretFile, 'PLANTED_FILE_SECRET\n');
    const ok = await runCli(['validate', '-c', config(`\${file:${secretFile}}`)]);
    expect(ok.code, ok.stderr).toBe(0);
    expectClean(ok.stdout + ok.stderr, ['PLANTED_FILE_SECRET']);
  });

  it('validate names an unreadable secret file by path (exit 2)', async () => {
    const dir = tempDir();
    const missing = join(dir, 'absent');
    const bad = await runCli(['validate', '-c', config(`\${file:${missing}}`)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(missing);
    const notRegular = await runCli(['validate', '-c', config(`\${file:${dir}}`)]);
    expect(notRegular.code).toBe(2);
    expect(notRegular.stderr).toContain(dir);
  });
});
