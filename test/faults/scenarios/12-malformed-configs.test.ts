import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileError, createBridgeRegistry, formatProblem, loadConfig } from '@polybus/bridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/bridge-process.js';
import { SCALE, SEED } from '../harness.js';
import { type MalformedCase, malformedConfigs } from '../malformed-configs.js';
import { recordRow } from '../report.js';
import { FAULT_WORKERS } from '../workers.js';

/**
 * Scenario 12: at least 200 generated malformed configs. `polybus run` must reject every one before
 * opening any connection (all connections point at a sentinel TCP server that counts accepts), exit 2,
 * print a short message naming the file, and no stack trace.
 *
 * Every case goes through the config loader in-process (the code `polybus run` calls first); at scale
 * < 1 the real CLI runs a stratified sample (3 per category, both huge files), at scale 1 every case.
 */
const sockets: Socket[] = [];
let accepted = 0;
const sentinel = createServer((s) => {
  accepted++;
  sockets.push(s);
  s.destroy();
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((r) => sentinel.listen(0, '127.0.0.1', r));
  port = (sentinel.address() as { port: number }).port;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  sentinel.close();
});

interface Outcome {
  readonly c: MalformedCase;
  readonly code: number | null;
  readonly stderr: string;
  readonly ms: number;
  readonly problems: string[];
}

/** What is wrong with how `polybus run` rejected a case (empty when all is well). */
function judgeOutcome(file: string, code: number | null, stderr: string, ms: number): string[] {
  const problems: string[] = [];
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  if (code !== 2) problems.push(`exit ${code}`);
  if (lines.length === 0) problems.push('no message');
  if (lines.length > 21) problems.push(`${lines.length} lines of messages`);
  if (!lines.every((l) => l.startsWith(file))) problems.push('a line does not start with the file path');
  if (/^\s+at .+\(.*:\d+:\d+\)|^\s+at .*:\d+:\d+$/m.test(stderr)) problems.push('stack trace');
  if (ms > 15_000) problems.push(`took ${ms} ms`);
  return problems;
}

describe('12 malformed configs', () => {
  it('rejects every generated malformed config before connecting: exit 2, short message with the path, no stack', async () => {
    const startedAt = Date.now();
    const cases = malformedConfigs(port, SEED);
    const dir = mkdtempSync(join(tmpdir(), 'polybus-faults-12-'));
    const files = cases.map((c, index) => {
      const file = join(dir, `case-${index}.yaml`);
      writeFileSync(file, c.content);
      return file;
    });
    // In-process: the loader must reject each with a ConfigFileError (never another exception).
    const registry = createBridgeRegistry();
    const loaderBad: string[] = [];
    for (const [index, c] of cases.entries()) {
      const file = files[index] as string;
      try {
        await loadConfig(file, { registry, env: {} });
        loaderBad.push(`${c.category} "${c.name}": accepted`);
      } catch (error) {
        if (!(error instanceof ConfigFileError))
          loaderBad.push(
            `${c.category} "${c.name}": threw ${(error as Error).name}: ${(error as Error).message.slice(0, 120)}`,
          );
        else {
          const lines = error.problems.map(formatProblem);
          if (lines.length === 0) loaderBad.push(`${c.category} "${c.name}": no problem listed`);
          else if (!lines.every((l) => l.startsWith(file)))
            loaderBad.push(`${c.category} "${c.name}": a problem without the file path`);
        }
      }
    }
    // Through the real CLI: every case at scale 1, else a stratified sample.
    const perCategory = new Map<string, number>();
    const sample = cases
      .map((c, index) => ({ c, index }))
      .filter(({ c }) => {
        if (SCALE >= 1 || c.category === 'huge file') return true;
        const n = perCategory.get(c.category) ?? 0;
        perCategory.set(c.category, n + 1);
        return n < 3;
      });
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sample.length) {
        const { c, index } = sample[next++] as { c: MalformedCase; index: number };
        const file = files[index] as string;
        const t0 = Date.now();
        const args = ['run', '-c', file, ...(FAULT_WORKERS > 1 ? ['--workers', String(FAULT_WORKERS)] : [])];
        const result = await runCli(args, { timeoutMs: 180_000 }).catch((error: Error) => ({
          code: null,
          stdout: '',
          stderr: error.message,
        }));
        const ms = Date.now() - t0;
        outcomes.push({
          c,
          code: result.code,
          stderr: result.stderr,
          ms,
          problems: judgeOutcome(file, result.code, result.stderr, ms),
        });
      }
    };
    await Promise.all([worker(), worker()]);
    const bad = outcomes.filter((o) => o.problems.length > 0);
    const byCategory = new Map<string, number>();
    for (const c of cases) byCategory.set(c.category, (byCategory.get(c.category) ?? 0) + 1);
    const failed = recordRow({
      scenario: 12,
      title: 'malformed configs',
      case: `${cases.length} configs`,
      startedAt,
      checks: {
        'at least 200 configs': cases.length >= 200,
        'no connection opened': accepted === 0,
        'loader rejects every one with a ConfigFileError, each problem naming the file':
          loaderBad.length === 0,
        'CLI: exit 2, short message naming the file, no stack trace, < 15 s': bad.length === 0,
      },
      notes: `${outcomes.length} run through the CLI; categories: ${[...byCategory].map(([k, n]) => `${k} ${n}`).join(', ')}; slowest ${Math.max(...outcomes.map((o) => o.ms))} ms${bad.length ? `; rejected badly: ${bad.map((o) => `${o.c.category} "${o.c.name.slice(0, 60)}" (${o.problems.join(', ')})`).join('; ')}` : ''}${loaderBad.length ? `; loader: ${loaderBad.join('; ')}` : ''}`,
      scale: SCALE,
      seed: SEED,
    });
    expect(
      failed,
      [
        ...loaderBad,
        ...bad.map((o) => `${o.c.category} ${o.c.name}: ${o.problems.join(', ')}\n${o.stderr.slice(0, 400)}`),
      ].join('\n---\n'),
    ).toEqual([]);
  });
});
