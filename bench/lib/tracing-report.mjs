import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAIRS, pairLabel } from '../brokers/index.mjs';
import { median, round } from './stats.mjs';

const BEGIN = '<!-- tracing-section: begin (bench/lib/tracing-report.mjs) -->';
const END = '<!-- tracing-section: end -->';

const complete = (r) => r.complete && !r.error && !r.discarded;
const fmt = (v, suffix = '') =>
  v === undefined || v === null ? '–' : `${typeof v === 'number' ? v.toLocaleString('en-US') : v}${suffix}`;

/** True when `runs` hold polybus throughput runs with tracing on. Pure. */
export function hasTracingRuns(runs) {
  return runs.some((r) => r.kind === 'throughput' && r.tracing !== undefined);
}

/**
 * Tracing overhead per pair that has tracing-on runs: the polybus throughput runs with tracing off
 * (no transform, not profiled) and, per sampling ratio, those with tracing on: median msg/s, the
 * ratio to tracing off of the same run, median CPU µs per message, peak RSS, spans received per
 * message and the receiver's CPU. Pure.
 */
export function summariseTracing(runs) {
  const pairs = [...new Set(runs.filter((r) => r.tracing !== undefined).map((r) => r.pair))];
  const out = {};
  for (const pairId of pairs) {
    const of = (tracing) =>
      runs.filter(
        (r) =>
          r.pair === pairId &&
          r.kind === 'throughput' &&
          r.variant === 'polybus' &&
          !r.transform &&
          !r.profiled &&
          r.tracing === tracing,
      );
    const row = (list) => {
      const ok = list.filter(complete);
      const perMessage = ok.filter((r) => r.exported).map((r) => r.exported.spans / r.n);
      return {
        msgsPerSec: round(median(ok.map((r) => r.msgsPerSec)), 0),
        cpuMicrosPerMsg: round(median(ok.map((r) => r.cpuMicrosPerMsg)), 1),
        peakRssMb: Math.max(0, ...ok.map((r) => r.peakRssMb ?? 0)) || undefined,
        spansPerMessage: round(median(perMessage), 2),
        receiverCpuSeconds: round(
          median(ok.filter((r) => r.exported).map((r) => r.exported.receiverCpuSeconds)),
          2,
        ),
        runs: list.length,
        complete: ok.length,
      };
    };
    const off = row(of(undefined));
    const ratios = [
      ...new Set(runs.filter((r) => r.pair === pairId && r.tracing !== undefined).map((r) => r.tracing)),
    ];
    const on = ratios
      .sort((a, b) => b - a)
      .map((sampleRatio) => {
        const r = row(of(sampleRatio));
        return {
          sampleRatio,
          ...r,
          ratio: off.msgsPerSec && r.msgsPerSec ? round(r.msgsPerSec / off.msgsPerSec, 2) : undefined,
          cpuRatio:
            off.cpuMicrosPerMsg && r.cpuMicrosPerMsg
              ? round(r.cpuMicrosPerMsg / off.cpuMicrosPerMsg, 2)
              : undefined,
        };
      });
    out[pairId] = { label: pairLabel(PAIRS.find((p) => p.id === pairId)), off, on };
  }
  return out;
}

/**
 * The "Tracing overhead" section of docs/performance.md (between markers, so `spliceTracingSection`
 * can replace it alone), from the results of one run; `extra` lines go at its end (a profile of a
 * tracing run). Returns lines. Pure.
 */
export function renderTracingSection(results, { level = '##', markers = true, extra = [] } = {}) {
  const { settings, runs, machine } = results;
  const summary = summariseTracing(runs);
  const file = `bench/results/${results.date}${settings.tag ? `-${settings.tag}` : ''}.json`;
  const lines = [
    ...(markers ? [BEGIN, ''] : []),
    `${level} Tracing overhead (OpenTelemetry, OTLP export)`,
    '',
    `Run of ${results.startedAt} – ${results.finishedAt} (results: \`${file}\`), built from \`${results.git?.commit ?? 'unknown'}\`${results.git?.uncommittedPackageFiles ? ` plus ${results.git.uncommittedPackageFiles} uncommitted package file(s)` : ''}; load average at the end ${machine.loadAverageAtEnd.join(' / ')}. N = ${settings.n.toLocaleString('en-US')} messages of ${settings.bodyBytes} B, ${settings.rounds} round(s), maxInFlight ${settings.maxInFlight}.${results.note ? ` ${results.note}` : ''}`,
    '',
    'The same one-route `polybus run` as above, with and without a `tracing:` block (`enabled: true`,',
    '`sampleRatio` as listed) exporting OTLP/HTTP protobuf to a receiver in its own process on 127.0.0.1',
    '(`bench/lib/otlp-sink.mjs`: counts the spans, then discards them). Tracing-off and tracing-on runs of a pair',
    'alternate within each round of the same run, so the ratio compares like with like. The source messages carry',
    'no trace context, so every message starts a trace and the ratio decides which are sampled. Spans per message',
    'are those the receiver got (a full batch queue in the SDK drops spans, which shows here as fewer).',
    'Throughput follows the CPU the scheduler gives the bridge: on a loaded machine (see the load average) read',
    "CPU µs per message first, it is the bridge's own cost and moves far less between runs.",
    '',
    '| pair | tracing | msg/s | × tracing off | CPU µs per message | × CPU | peak RSS | spans received per message | receiver CPU s per run | complete runs |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of Object.values(summary)) {
    const o = s.off;
    lines.push(
      `| ${s.label} | off | ${fmt(o.msgsPerSec)} | 1× | ${fmt(o.cpuMicrosPerMsg)} | 1× | ${fmt(o.peakRssMb, ' MB')} | – | – | ${o.complete}/${o.runs} |`,
    );
    for (const t of s.on) {
      lines.push(
        `| ${s.label} | on, sampleRatio ${t.sampleRatio} | ${fmt(t.msgsPerSec)} | ${fmt(t.ratio, '×')} | ${fmt(t.cpuMicrosPerMsg)} | ${fmt(t.cpuRatio, '×')} | ${fmt(t.peakRssMb, ' MB')} | ${fmt(t.spansPerMessage)} | ${fmt(t.receiverCpuSeconds)} | ${t.complete}/${t.runs} |`,
      );
    }
  }
  lines.push(
    '',
    '| pair | tracing | round | msg/s | CPU | CPU µs per message | peak RSS | spans received | received | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  const tracingPairs = new Set(Object.keys(summary));
  for (const r of runs) {
    if (r.kind !== 'throughput' || r.variant !== 'polybus' || r.transform || r.profiled) continue;
    if (!tracingPairs.has(r.pair)) continue;
    const note = r.error
      ? `failed: ${r.error.split('\n')[0].slice(0, 80)}`
      : [r.complete ? '' : `incomplete (${r.outcome ?? 'timeout'})`, r.discarded ? 'discarded, repeated' : '']
          .filter(Boolean)
          .join('; ');
    lines.push(
      `| ${r.pair} | ${r.tracing === undefined ? 'off' : `on, ${r.tracing}`} | ${r.round} | ${fmt(r.msgsPerSec)} | ${fmt(r.cpuPercent, '%')} | ${fmt(r.cpuMicrosPerMsg)} | ${fmt(r.peakRssMb, ' MB')} | ${fmt(r.exported?.spans)} | ${fmt(r.received)}/${fmt(r.n)} | ${note} |`,
    );
  }
  lines.push(
    '',
    'Re-measure only this section: `BENCH_TRACING_ONLY=1 npm run bench` (see `bench/README.md`); it writes',
    '`bench/results/<date>-tracing.json` and replaces this section of the page, nothing else.',
  );
  lines.push(...extra);
  if (markers) lines.push('', END);
  return lines;
}

/**
 * `doc` (the text of docs/performance.md) with its tracing section replaced by `section` (lines from
 * `renderTracingSection`), or inserted before "## Findings" (else "## Reproduce", else at the end)
 * when it has none. Pure.
 */
export function spliceTracingSection(doc, section) {
  const text = section.join('\n');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin >= 0 && end > begin) return `${doc.slice(0, begin)}${text}${doc.slice(end + END.length)}`;
  const anchor = ['\n## Findings', '\n## Reproduce'].map((h) => doc.indexOf(h)).find((i) => i >= 0);
  if (anchor === undefined) return `${doc.trimEnd()}\n\n${text}\n`;
  return `${doc.slice(0, anchor)}\n${text}\n${doc.slice(anchor)}`;
}

/**
 * The engineer's reading of the tracing runs (`bench/tracing-findings.md`, written by hand after a
 * run), as lines to end the tracing section with; none when the file is absent.
 */
export function tracingFindings(benchDir) {
  const file = join(benchDir, 'tracing-findings.md');
  return existsSync(file) ? ['', readFileSync(file, 'utf8').trimEnd()] : [];
}
