import { FAULT_KINDS, type FaultSample, type VerifyReport } from './verify-report.js';

/** What a report is about, for its heading. */
export interface ReportHeading {
  readonly route: string;
  /** `<connection>/<address>` of the source, and how it was read. */
  readonly source: string;
  readonly sourceMode: 'broker' | 'ledger';
  /** `<connection>/<address>` of the sink. */
  readonly sink: string;
}

function sampleText(sample: FaultSample): string {
  const where = [
    sample.key === undefined ? undefined : `key ${sample.key}`,
    sample.position === undefined ? undefined : `at ${sample.position}`,
    sample.detail,
  ].filter((part) => part !== undefined);
  return where.length === 0 ? sample.id : `${sample.id} (${where.join(', ')})`;
}

/** The verdict line: `OK`, `OK with warnings` or `FAILED`, with the counts that decided it. Pure. */
export function verdictLine(report: VerifyReport, strict: boolean): string {
  const c = report.counts;
  const failing = [
    c.missing > 0 ? `${c.missing} missing` : undefined,
    c.altered > 0 ? `${c.altered} altered` : undefined,
  ];
  const warnings = [
    c.duplicated > 0 ? `${c.duplicated} duplicated` : undefined,
    c.reordered > 0 ? `${c.reordered} reordered` : undefined,
    c.extra > 0 ? `${c.extra} extra` : undefined,
    report.source.duplicateIds > 0 ? `${report.source.duplicateIds} repeated source ids` : undefined,
  ];
  const fail = failing.filter((x) => x !== undefined);
  const warn = warnings.filter((x) => x !== undefined);
  if (fail.length > 0 || (strict && warn.length > 0)) return `FAILED: ${[...fail, ...warn].join(', ')}`;
  if (warn.length > 0)
    return `OK with warnings (every source message is in the sink, unaltered): ${warn.join(', ')}`;
  return 'OK: the sink holds every source message once, unaltered, in order per key';
}

/**
 * A report as text for a terminal: heading, message counts, one line per fault kind with up to
 * `samplesShown` examples (id, key, position, what differs), faulty keys, and the verdict. Pure.
 */
export function formatReport(
  report: VerifyReport,
  heading: ReportHeading,
  options: { strict?: boolean; samplesShown?: number } = {},
): string {
  const shown = options.samplesShown ?? 5;
  const read = heading.sourceMode === 'ledger' ? 'its ledger' : 'the broker';
  const lines = [
    `route ${heading.route}: ${heading.source} (read from ${read}) -> ${heading.sink}`,
    `source ${report.source.messages} messages, sink ${report.sink.messages} messages`,
  ];
  for (const kind of FAULT_KINDS) {
    const count = report.counts[kind];
    const samples = report.samples[kind].slice(0, shown).map(sampleText);
    const more = count > samples.length ? ` and ${count - samples.length} more` : '';
    lines.push(
      `  ${kind.padEnd(10)} ${String(count).padStart(6)}${samples.length > 0 ? `  ${samples.join('; ')}${more}` : ''}`,
    );
  }
  const keyed = report.keys.filter((k) => k.key !== undefined);
  if (keyed.length > 0) {
    const names = keyed.slice(0, shown).map((k) => k.key);
    const more = keyed.length > names.length || report.keysTruncated ? ', ...' : '';
    lines.push(`  keys with faults: ${names.join(', ')}${more}`);
  }
  lines.push(verdictLine(report, options.strict ?? false));
  return `${lines.join('\n')}\n`;
}
