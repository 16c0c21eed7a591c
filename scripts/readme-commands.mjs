#!/usr/bin/env node
/**
 * Runs the commands of the root README.md (or of another Markdown file: docs/migration.md) in the order they are written, as a newcomer does on a fresh
 * clone once `npm ci` has run: each line of a ```sh block is a command and must exit 0; a ```yaml
 * block whose first line is `# <file>.yaml: ...` is the file the text asks to save, and is written
 * (in the repository root, removed afterwards unless it existed) before the commands after it.
 * Commands that install, provision brokers, run the test suites or run until interrupted are listed
 * as skipped, with the reason; a long-running command sent to the background (`... &`) is run. Every
 * command sees `RUN`, a suffix unique to this run (kept when already set), for documents that name
 * broker resources `orders-${RUN}`. Exit status: 0 when every command run exited 0, else 1.
 *
 *   node scripts/readme-commands.mjs                       # the README of this checkout
 *   node scripts/readme-commands.mjs docs/migration.md     # another document
 *   node scripts/readme-commands.mjs --list                # only print the steps
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Commands not run here, and why. The first matching rule wins. */
const SKIPPED = [
  [
    /^npm ci\b/,
    'installs: the caller ran `npm ci` (the long-running `npm start` after it is the quickstart)',
  ],
  [/scripts\/brokers\.sh\b/, 'provisions the shared brokers'],
  [/\bnpm (run )?test\b|\btest:faults\b|\bnpm run bench\b/, 'runs the test suites or benchmarks themselves'],
  [
    /^(?!.*\s&(\s|$)).*(\bnpm start\b|\bpolybus (run|tail)\b)/,
    'long-running: runs until interrupted (unless sent to the background with &)',
  ],
];

/**
 * The steps of a README, in order: `{ kind: 'file', name, text }` for a file block and
 * `{ kind: 'run', command }` / `{ kind: 'skip', command, reason }` for each command line (its
 * trailing `# comment` removed). Pure.
 */
export function readmeSteps(markdown) {
  const steps = [];
  const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
  for (const [, lang, body] of markdown.matchAll(fence)) {
    if (lang === 'yaml') {
      const name = /^# ([\w./-]+\.ya?ml):/.exec(body)?.[1];
      if (name) steps.push({ kind: 'file', name, text: body });
    } else if (lang === 'sh' || lang === 'bash') {
      for (const line of body.split('\n')) {
        const command = line.replace(/\s+#\s.*$/, '').trim();
        if (command === '' || command.startsWith('#')) continue;
        const rule = SKIPPED.find(([pattern]) => pattern.test(command));
        steps.push(rule ? { kind: 'skip', command, reason: rule[1] } : { kind: 'run', command });
      }
    }
  }
  return steps;
}

function run(steps, label) {
  const runId = process.env.RUN ?? `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const written = [];
  let failed = 0;
  try {
    for (const step of steps) {
      if (step.kind === 'file') {
        const file = join(ROOT, step.name);
        if (!existsSync(file)) written.push(file);
        writeFileSync(file, step.text);
        console.log(`file  ${step.name}`);
      } else if (step.kind === 'skip') {
        console.log(`skip  ${step.command}   (${step.reason})`);
      } else {
        const result = spawnSync('bash', ['-c', step.command], {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 180_000,
          // Never let npx fetch a package from the registry: `polybus` must be the linked local bin.
          env: { ...process.env, RUN: runId, npm_config_yes: 'false', npm_config_update_notifier: 'false' },
        });
        const ok = result.status === 0;
        if (!ok) failed++;
        console.log(`${ok ? 'ok   ' : 'FAIL '} ${step.command}   (exit ${result.status ?? result.signal})`);
        if (!ok) console.log(`${result.stdout}${result.stderr}`.trim().replace(/^/gm, '      | '));
      }
    }
  } finally {
    for (const file of written) rmSync(file, { force: true });
  }
  const ran = steps.filter((s) => s.kind === 'run').length;
  console.log(`${ran - failed}/${ran} ${label} commands exited 0`);
  return failed === 0 && ran > 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const document = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'README.md';
  const steps = readmeSteps(readFileSync(join(ROOT, document), 'utf8'));
  if (process.argv.includes('--list')) for (const step of steps) console.log(JSON.stringify(step));
  else process.exitCode = run(steps, document === 'README.md' ? 'README' : basename(document));
}
