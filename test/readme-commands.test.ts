import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// A plain .mjs script (no type declarations): its steps are typed as Step below.
import { readmeSteps } from '../scripts/readme-commands.mjs';
import { ROOT, requireBuiltCli } from './helpers/bridge-process.js';

type Step =
  | { kind: 'file'; name: string; text: string }
  | { kind: 'run'; command: string }
  | { kind: 'skip'; command: string; reason: string };

const steps = (readmeSteps as (markdown: string) => Step[])(readFileSync(join(ROOT, 'README.md'), 'utf8'));

describe('the README commands, in the order written (scripts/readme-commands.mjs; CI runs it after npm ci)', () => {
  it('runs the CLI commands a newcomer types first, saving polybus.yaml and traced.yaml before they are validated', () => {
    const order = steps.map((s) => (s.kind === 'file' ? `file ${s.name}` : `${s.kind} ${s.command}`));
    expect(order).toEqual([
      'skip npm ci && npm start',
      'skip bash scripts/brokers.sh up && POLYBUS_REQUIRE_BROKERS=1 npm test',
      'run npx polybus --help',
      'run npx polybus validate -c examples/quickstart.yaml',
      'file polybus.yaml',
      'run npx polybus validate -c polybus.yaml',
      'skip npx polybus run -c polybus.yaml',
      'file traced.yaml',
      'run npx polybus validate -c traced.yaml',
    ]);
  });

  it('every command it runs exits 0 through the linked `polybus` bin', () => {
    requireBuiltCli();
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts/readme-commands.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(result.stdout).toContain('4/4 README commands exited 0');
    expect(result.stdout).not.toContain('FAIL');
    expect(result.status).toBe(0);
  }, 320_000);
});
