import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from './oracle.js';
import { workersCase } from './workers.js';

/**
 * The reliability report: each scenario case writes one row as JSON into `.results/` while it runs;
 * the suite's global teardown merges them into `report.json` and renders `docs/reliability.md`.
 * Rows from earlier runs are kept unless this run produced the same scenario case again, so a run of a
 * few scenarios updates only their rows (every row says when it ran and at what scale).
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const RESULTS_DIR = join(HERE, '.results');
export const REPORT_FILE = join(HERE, 'report.json');
export const DOC_FILE = join(HERE, '../../docs/reliability.md');

/** One scenario case in the report. */
export interface ReportRow {
  readonly scenario: number;
  readonly title: string;
  /** Which variant: broker pair, poison kind, process count... */
  readonly case: string;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  /** Sent, never delivered, but still waiting at the source after the run (a stall, not a loss). */
  readonly stranded: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly unexpected: number;
  /** Peak RSS of the bridge process(es), MiB (0 when not measured). */
  readonly peakRssMb: number;
  /** Seconds from the end of the fault to flow resuming (null when the scenario has no such moment). */
  readonly recoverySeconds: number | null;
  readonly durationSeconds: number;
  /** The properties the scenario checks, and whether each held. */
  readonly checks: Record<string, boolean>;
  readonly passed: boolean;
  readonly notes: string;
  readonly scale: number;
  readonly seed: number;
  readonly ranAt: string;
}

/** What a scenario passes to {@link recordRow}. */
export interface RowInput {
  readonly scenario: number;
  readonly title: string;
  readonly case: string;
  readonly verdict?: Verdict;
  readonly peakRssBytes?: number;
  readonly recoveryMs?: number | null;
  readonly startedAt: number;
  readonly checks: Record<string, boolean>;
  readonly notes?: string;
  readonly scale: number;
  readonly seed: number;
  /**
   * The route is meant to leave messages at the source (its sink never came back while the bridge
   * ran): messages left there do not fail the row, the scenario checks their count itself.
   */
  readonly backlogExpected?: boolean;
}

/**
 * Writes one row into `.results/` and returns the names of the checks that failed (assert it is
 * empty). Messages left at the source fail the row whatever the scenario checks: nothing was lost,
 * but the route stopped moving them.
 */
export function recordRow(input: RowInput): string[] {
  const v = input.verdict;
  const checks =
    v && v.stranded > 0 && !input.backlogExpected
      ? { ...input.checks, 'nothing left unmoved at the source': false }
      : input.checks;
  const row: ReportRow = {
    scenario: input.scenario,
    title: input.title,
    case: workersCase(input.case),
    sent: v?.sent ?? 0,
    received: v?.received ?? 0,
    lost: v?.lost ?? 0,
    stranded: v?.stranded ?? 0,
    duplicated: v?.duplicated ?? 0,
    reordered: v?.reordered ?? 0,
    unexpected: v?.unexpected ?? 0,
    peakRssMb: Math.round(((input.peakRssBytes ?? 0) / 1024 / 1024) * 10) / 10,
    recoverySeconds: input.recoveryMs == null ? null : Math.round(input.recoveryMs / 100) / 10,
    durationSeconds: Math.round((Date.now() - input.startedAt) / 100) / 10,
    checks,
    passed: Object.values(checks).every(Boolean),
    notes: [
      input.notes,
      v && v.lost > 0 ? `lost sample: ${v.lostSample.join(', ')}` : undefined,
      v && v.stranded > 0 && !input.backlogExpected
        ? `${v.stranded} never delivered but still at the source when read back`
        : undefined,
    ]
      .filter(Boolean)
      .join('; '),
    scale: input.scale,
    seed: input.seed,
    ranAt: new Date().toISOString(),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${String(row.scenario).padStart(2, '0')}-${row.case.replace(/[^a-zA-Z0-9.-]+/g, '_')}.json`;
  writeFileSync(join(RESULTS_DIR, file), `${JSON.stringify(row, null, 2)}\n`);
  return Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
}

/**
 * Merges the rows of `.results/` written since `sinceMs` into the report and renders the doc; returns
 * the merged rows. Older files are left alone (a concurrent run may still be writing its own).
 */
export function writeReport(sinceMs = 0): ReportRow[] {
  let previous: ReportRow[] = [];
  try {
    previous = (JSON.parse(readFileSync(REPORT_FILE, 'utf8')) as { rows: ReportRow[] }).rows;
  } catch {
    // first run
  }
  const fresh: ReportRow[] = [];
  try {
    for (const f of readdirSync(RESULTS_DIR).sort())
      if (f.endsWith('.json') && statSync(join(RESULTS_DIR, f)).mtimeMs >= sinceMs)
        fresh.push(JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as ReportRow);
  } catch {
    // nothing ran
  }
  const keyOf = (r: ReportRow) => `${r.scenario}/${r.case}`;
  const merged = new Map(previous.map((r) => [keyOf(r), r]));
  for (const r of fresh) merged.set(keyOf(r), r);
  const rows = [...merged.values()].sort((a, b) => a.scenario - b.scenario || a.case.localeCompare(b.case));
  writeFileSync(REPORT_FILE, `${JSON.stringify({ generatedAt: new Date().toISOString(), rows }, null, 2)}\n`);
  writeFileSync(DOC_FILE, renderDoc(rows));
  return rows;
}

/** Makes sure `.results/` exists (global setup); returns the run's start time for {@link writeReport}. */
export function prepareResults(): number {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return Date.now();
}

const num = (n: number) => n.toLocaleString('en-US');

/** Renders `docs/reliability.md` from the rows. */
export function renderDoc(rows: readonly ReportRow[]): string {
  const scales = [...new Set(rows.map((r) => r.scale))].sort();
  const table = [
    '| # | scenario | case | sent | received | lost | left at source | dup | reord | peak RSS MiB | recovery s | time s | scale | result |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.title} | ${r.case} | ${num(r.sent)} | ${num(r.received)} | ${num(r.lost)} | ${num(r.stranded ?? 0)} | ${num(r.duplicated)} | ${num(r.reordered)} | ${r.peakRssMb || '–'} | ${r.recoverySeconds ?? '–'} | ${r.durationSeconds} | ${r.scale} | ${
          r.passed
            ? 'pass'
            : `**FAIL**: ${Object.entries(r.checks)
                .filter(([, ok]) => !ok)
                .map(([k]) => k)
                .join('; ')}`
        } |`,
    ),
  ].join('\n');
  const notes = rows
    .filter((r) => r.notes)
    .map((r) => `- **${r.scenario} ${r.case}**: ${r.notes}`)
    .join('\n');
  const checks = rows
    .map((r) => `- **${r.scenario} ${r.case}**: ${Object.keys(r.checks).join('; ')}`)
    .join('\n');
  return `${readFileSync(join(HERE, 'reliability-intro.md'), 'utf8').trim()}

## Results of the last run

<!-- generated by test/faults/report.ts from test/faults/report.json; do not edit by hand -->

Generated ${new Date().toISOString()} by \`npm run test:faults\`. Scale${scales.length > 1 ? 's' : ''} in this table: ${scales.join(', ')}
(1 = the issue's sizes; see "Sizes" above). Rows ran between ${rows.map((r) => r.ranAt).sort()[0] ?? '–'} and ${
    rows
      .map((r) => r.ranAt)
      .sort()
      .at(-1) ?? '–'
  }.
"sent" counts distinct messages the producer had confirmed, "received" every delivery the sink reader saw (duplicates
included), "lost" confirmed messages that reached neither the sink nor stayed at the source, "left at source" messages the
sink never saw that were read back from the source afterwards (read only when some were missing: a stall, which fails the
row, but not a loss; in scenario 8's RocketMQ row the sink never returns while the bridge runs, so there they are the
expected backlog), "dup" deliveries beyond the first, "reord" first deliveries that arrived after a later message of
their key.

${table}

### Notes per case

${notes || '- none'}

### What each case checked

${checks}
`;
}
