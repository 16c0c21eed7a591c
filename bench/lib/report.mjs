import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAIRS, pairLabel } from '../brokers/index.mjs';
import { median, round } from './stats.mjs';
import { hasTracingRuns, renderTracingSection, tracingFindings } from './tracing-report.mjs';

/** Targets of the issue (benchmark figures, not test assertions). */
export const TARGETS = { ratio: 0.9, transformRatio: 0.7, addedP99Ms: 5, rssMb: 200 };

const complete = (r) => r.complete && !r.error && !r.discarded;

/**
 * Per pair: median throughput of complete baseline / polybus runs, their ratio, the transform
 * ratio (polybus with JSONata transform / baseline), latency added at the fixed rate, bridge peak
 * RSS and CPU, and whether each target was met. Pure.
 */
export function summarise(runs, settings) {
  const out = {};
  for (const pair of settings.pairs) {
    const of = (variant, kind, transform = false) =>
      runs.filter(
        (r) =>
          r.pair === pair.id &&
          r.variant === variant &&
          r.kind === kind &&
          !!r.transform === transform &&
          !r.profiled &&
          r.tracing === undefined,
      );
    const tput = (list) => round(median(list.filter(complete).map((r) => r.msgsPerSec)), 0);
    const base = of('baseline', 'throughput');
    const poly = of('polybus', 'throughput');
    const polyT = of('polybus', 'throughput', true);
    const b = tput(base);
    const p = tput(poly);
    const pt = tput(polyT);
    const latRunB = of('baseline', 'latency').find(complete);
    const latRunP = of('polybus', 'latency').find(complete);
    const latB = latRunB?.latencyMs;
    const latP = latRunP?.latencyMs;
    const bridgeRuns = runs.filter(
      (r) => r.pair === pair.id && r.variant === 'polybus' && r.tracing === undefined,
    );
    const rss = Math.max(0, ...bridgeRuns.map((r) => r.peakRssMb ?? 0));
    const s = {
      label: pairLabel(pair),
      baselineMsgsPerSec: b,
      polybusMsgsPerSec: p,
      ratio: b && p ? round(p / b, 2) : undefined,
      transformMsgsPerSec: pt,
      transformRatio: b && pt ? round(pt / b, 2) : undefined,
      baselineMbPerSec: b ? round((b * 1024) / 1048576, 2) : undefined,
      polybusMbPerSec: p ? round((p * 1024) / 1048576, 2) : undefined,
      baselineCpuMicrosPerMsg: round(median(base.filter(complete).map((r) => r.cpuMicrosPerMsg)), 1),
      polybusCpuMicrosPerMsg: round(median(poly.filter(complete).map((r) => r.cpuMicrosPerMsg)), 1),
      baselineCpuPercent: round(median(base.filter(complete).map((r) => r.cpuPercent)), 0),
      polybusCpuPercent: round(median(poly.filter(complete).map((r) => r.cpuPercent)), 0),
      baselinePeakRssMb:
        Math.max(
          0,
          ...runs.filter((r) => r.pair === pair.id && r.variant === 'baseline').map((r) => r.peakRssMb ?? 0),
        ) || undefined,
      bridgePeakRssMb: rss || undefined,
      latency: {
        baseline: latB,
        polybus: latP,
        addedP50Ms: latB && latP ? round(latP.p50 - latB.p50, 2) : undefined,
        addedP99Ms: latB && latP ? round(latP.p99 - latB.p99, 2) : undefined,
        baselineSaturated: latRunB?.saturated,
        polybusSaturated: latRunP?.saturated,
      },
      runs: {
        baseline: base.length,
        polybus: poly.length,
        failed: [...base, ...poly, ...polyT].filter((r) => !complete(r)).length,
      },
    };
    s.targets = {
      ratio: s.ratio === undefined ? 'not measured' : s.ratio >= TARGETS.ratio ? 'met' : 'missed',
      transformRatio:
        s.transformRatio === undefined
          ? 'not measured'
          : s.transformRatio >= TARGETS.transformRatio
            ? 'met'
            : 'missed',
      addedP99:
        s.latency.addedP99Ms === undefined
          ? 'not measured'
          : s.latency.addedP99Ms <= TARGETS.addedP99Ms
            ? 'met'
            : 'missed',
      rss:
        s.bridgePeakRssMb === undefined
          ? 'not measured'
          : s.bridgePeakRssMb <= TARGETS.rssMb
            ? 'met'
            : 'missed',
    };
    // Every throughput variant's median (BENCH_BRIDGE_B's, the Shovel's...), and each one's ratio to
    // the Shovel where there is one.
    const names = [
      ...new Set(
        runs
          .filter((r) => r.pair === pair.id && r.kind === 'throughput' && !r.transform && !r.profiled)
          .map((r) => r.variant),
      ),
    ];
    s.variants = Object.fromEntries(names.map((v) => [v, tput(of(v, 'throughput'))]));
    const shovel = s.variants.shovel;
    if (shovel) {
      s.vsShovel = Object.fromEntries(
        names
          .filter((v) => v !== 'shovel' && s.variants[v])
          .map((v) => [v, round(s.variants[v] / shovel, 2)]),
      );
    }
    // Per worker count (BENCH_WORKERS): the `polybus` (1) and `polybus-w<N>` runs side by side.
    if ((settings.workers ?? [1]).some((n) => n > 1)) {
      s.workers = Object.fromEntries(
        (settings.workers ?? [1]).map((n) => {
          const list = of(n === 1 ? 'polybus' : `polybus-w${n}`, 'throughput').filter(complete);
          return [
            n,
            {
              msgsPerSec: tput(list),
              cpuMicrosPerMsg: round(median(list.map((r) => r.cpuMicrosPerMsg)), 1),
              cpuPercent: round(median(list.map((r) => r.cpuPercent)), 0),
              peakRssMb: Math.max(0, ...list.map((r) => r.peakRssMb ?? 0)) || undefined,
              runs: list.length,
            },
          ];
        }),
      );
    }
    out[pair.id] = s;
  }
  return out;
}

const fmt = (v, suffix = '') =>
  v === undefined || v === null ? '–' : `${typeof v === 'number' ? v.toLocaleString('en-US') : v}${suffix}`;
const mark = (t) => (t === 'met' ? 'yes' : t === 'missed' ? '**no**' : '–');

/**
 * The workers table (BENCH_WORKERS): per pair with `polybus-w<N>` runs, msg/s, the ratio to one
 * worker, CPU (summed over supervisor and workers) and peak RSS of the largest process. Nothing when
 * the run had only one worker.
 */
export function renderWorkers(push, summary, level) {
  const withWorkers = Object.values(summary).filter((s) => s.workers);
  if (withWorkers.length === 0) return;
  push(
    `${level} Workers (\`polybus run --workers N\`)`,
    '',
    'The same polybus run with N worker processes sharing the route through its source group (BENCH_WORKERS). CPU is summed over the supervisor and its workers; peak RSS is that of the largest single process.',
    '',
    '| pair | workers | msg/s | × 1 worker | CPU | CPU µs per message | peak RSS per process | runs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of withWorkers) {
    const one = s.workers[1]?.msgsPerSec;
    for (const [n, w] of Object.entries(s.workers))
      push(
        `| ${s.label} | ${n} | ${fmt(w.msgsPerSec)} | ${one && w.msgsPerSec ? fmt(round(w.msgsPerSec / one, 2), '×') : '–'} | ${fmt(w.cpuPercent, '%')} | ${fmt(w.cpuMicrosPerMsg)} | ${fmt(w.peakRssMb, ' MB')} | ${w.runs} |`,
      );
  }
  push('');
}

/** The profile section: self time by component, hottest functions, polybus inclusive time. */
export function renderProfile(push, profile, level, limit = 30) {
  if (profile.error) {
    push('', `${level} CPU profile of the bridge (${profile.pair})`, '', `No profile: ${profile.error}`);
    return;
  }
  const sub = `${level}#`;
  const idleShare = profile.totalMs ? Math.round((profile.idleMs / profile.totalMs) * 1000) / 10 : undefined;
  push(
    '',
    `${level} CPU profile of the bridge (${profile.pair}${profile.run?.transform ? ' + transform' : ''}${profile.run?.tracing === undefined ? '' : ` + tracing ${profile.run.tracing}`}, \`node --cpu-prof\`)`,
    '',
    `One polybus throughput run of ${profile.pair}${profile.run?.transform ? ' with the JSONata transform' : ''} (${fmt(profile.run?.msgsPerSec)} msg/s while profiled, ${fmt(profile.run?.cpuPercent, '%')} CPU). ${fmt(profile.totalMs)} ms sampled over the process' life (startup included), of which ${fmt(profile.idleMs)} ms (${fmt(idleShare, '%')}) idle — waiting on the brokers. Shares below are of the ${fmt(profile.busyMs)} ms busy.`,
    '',
    `${sub} Self time by component`,
    '',
    '| component | self ms | share of busy |',
    '|---|---:|---:|',
    ...profile.byComponent
      .filter((c) => c.percent >= 0.3)
      .map((c) => `| ${c.component} | ${fmt(c.ms)} | ${fmt(c.percent, '%')} |`),
    '',
    `${sub} Hottest functions (self time)`,
    '',
    '| function | where | self ms | share of busy |',
    '|---|---|---:|---:|',
    ...profile.topFunctions
      .slice(0, limit)
      .map((f) => `| \`${f.name}\` | ${f.where} | ${fmt(f.ms)} | ${fmt(f.percent, '%')} |`),
    '',
    `${sub} polybus code by total time (self + callees)`,
    '',
    '| function | where | total ms | share of busy |',
    '|---|---|---:|---:|',
    ...profile.polybusInclusive
      .slice(0, limit)
      .map((f) => `| \`${f.name}\` | ${f.where} | ${fmt(f.ms)} | ${fmt(f.percent, '%')} |`),
  );
}

/** docs/performance.md from a results object (everything in it comes from the run). */
export function renderMarkdown(results, { benchDir, resultsDir }) {
  const { machine, brokers, settings, summary, runs, profile } = results;
  const lines = [];
  const push = (...l) => lines.push(...l);
  push(
    '# Performance: the polybus bridge against raw-client pipes',
    '',
    `<!-- Generated by \`npm run bench\` (bench/run.mjs) on ${results.startedAt}; do not edit by hand: re-run the benchmark. -->`,
    '',
    `Run of ${results.startedAt} – ${results.finishedAt} (results: \`bench/results/${results.date}.json\`).`,
    '',
    'Each pair moves N messages of 1 KiB from a source to a sink twice over: through a *baseline* — a minimal',
    "hand-written pipe with the same client library and the same guarantee (consume; publish with the sink's",
    'confirm; then ack/commit the source), in-flight bound as the bridge — and through `polybus run` with a',
    'one-route config. Each runs in its own process; the harness pre-fills the source, then measures from the first',
    'to the N-th message arriving at a raw sink consumer. Baseline and polybus runs alternate (B P, P B, ...).',
    'Latency is measured separately at a fixed rate, from the send call at the source to arrival at the sink consumer.',
    '',
    '## Machine and brokers',
    '',
    `- ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, Node ${machine.node}, ${machine.platform}; load average at the end ${machine.loadAverageAtEnd.join(' / ')}`,
    ...Object.entries(brokers).map(([name, version]) => `- ${name} ${version}`),
    `- N = ${settings.n.toLocaleString('en-US')} messages of ${settings.bodyBytes} B per throughput run, ${settings.rounds} round(s) per side, maxInFlight ${settings.maxInFlight}, Kafka topics with ${settings.kafkaPartitions} partition(s), bridge workers ${(settings.workers ?? [1]).join(' and ')}; latency at ${settings.latencyRate} msg/s for ${settings.latencySeconds} s`,
    ...(results.git
      ? [
          `- packages built from commit \`${results.git.commit}\`${results.git.uncommittedPackageFiles ? ` plus ${results.git.uncommittedPackageFiles} uncommitted file(s) under packages/ (work in progress of other engineers)` : ''}`,
        ]
      : []),
    `- ${results.note}`,
    '',
    '## Throughput (median of the rounds)',
    '',
    `Targets: polybus ≥ ${TARGETS.ratio}× baseline without transform, ≥ ${TARGETS.transformRatio}× with a JSONata transform; bridge RSS ≤ ${TARGETS.rssMb} MB.`,
    '',
    '| pair | baseline msg/s | polybus msg/s | ratio | ≥ 0.9× | polybus + transform msg/s | ratio | ≥ 0.7× | baseline MB/s | polybus MB/s | CPU baseline / bridge | CPU µs per message baseline / bridge | peak RSS baseline / bridge | RSS ≤ 200 MB |',
    '|---|---:|---:|---:|:-:|---:|---:|:-:|---:|---:|---:|---:|---:|:-:|',
  );
  for (const [, s] of Object.entries(summary)) {
    push(
      `| ${s.label} | ${fmt(s.baselineMsgsPerSec)} | ${fmt(s.polybusMsgsPerSec)} | ${fmt(s.ratio, '×')} | ${mark(s.targets.ratio)} | ${fmt(s.transformMsgsPerSec)} | ${fmt(s.transformRatio, '×')} | ${mark(s.targets.transformRatio)} | ${fmt(s.baselineMbPerSec)} | ${fmt(s.polybusMbPerSec)} | ${fmt(s.baselineCpuPercent, '%')} / ${fmt(s.polybusCpuPercent, '%')} | ${fmt(s.baselineCpuMicrosPerMsg)} / ${fmt(s.polybusCpuMicrosPerMsg)} | ${fmt(s.baselinePeakRssMb, ' MB')} / ${fmt(s.bridgePeakRssMb, ' MB')} | ${mark(s.targets.rss)} |`,
    );
  }
  push(
    '',
    "CPU is the pipe process' user+system time over the measured window (100% = one core); per message, it is that time divided by the messages moved. On 2 cores shared with the brokers and the harness, CPU per message is what throughput ends up paying for.",
    '',
  );
  renderWorkers(push, summary, '##');
  push(
    `## Latency at ${settings.latencyRate} msg/s`,
    '',
    `Target: polybus adds ≤ ${TARGETS.addedP99Ms} ms at p99. Each run warms up until the pipe has caught up with its start-up backlog (median of the latest 200 latencies < 50 ms, at most 20 s), then measures ${settings.latencyRate * settings.latencySeconds} messages. The p99 of both sides is dominated by the shared machine's scheduling noise; compare p50 first.`,
    '',
    '| pair | baseline p50 / p99 ms | polybus p50 / p99 ms | added p50 / p99 ms | ≤ 5 ms | note |',
    '|---|---:|---:|---:|:-:|---|',
  );
  for (const [, s] of Object.entries(summary)) {
    const l = s.latency;
    push(
      `| ${s.label} | ${fmt(l.baseline?.p50)} / ${fmt(l.baseline?.p99)} | ${fmt(l.polybus?.p50)} / ${fmt(l.polybus?.p99)} | ${fmt(l.addedP50Ms)} / ${fmt(l.addedP99Ms)} | ${mark(s.targets.addedP99)} | ${[l.baselineSaturated ? 'baseline' : '', l.polybusSaturated ? 'polybus' : ''].filter(Boolean).join(' and ')}${l.baselineSaturated || l.polybusSaturated ? ' never caught up with the start-up backlog at this rate (20 s warm-up): saturated' : ''} |`,
    );
  }
  if (hasTracingRuns(runs)) push('', ...renderTracingSection(results, { extra: tracingFindings(benchDir) }));
  push(
    '',
    '## Every run',
    '',
    '| pair | kind | side | round | msg/s | MB/s | p50 / p99 ms | CPU | peak RSS | received | Kafka msgs per send | note |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of runs) {
    const side = `${r.variant}${r.transform ? ' + transform' : ''}${r.tracing === undefined ? '' : ` + tracing ${r.tracing}`}${r.profiled ? ' (profiled)' : ''}`;
    const lat = r.latencyMs ? `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p99)}` : '–';
    const total = r.kind === 'latency' ? r.measured : r.n;
    const flags = [
      r.discarded ? 'discarded, repeated' : '',
      r.disturbed ? 'disturbed (broker reconnect or redelivery)' : '',
    ]
      .filter(Boolean)
      .join('; ');
    const outcome = r.error
      ? `failed: ${r.error.split('\n')[0].slice(0, 80)}`
      : r.complete
        ? r.duplicates
          ? `${r.duplicates} duplicates`
          : ''
        : `incomplete (${r.outcome ?? 'timeout'})`;
    const note = [outcome, flags].filter(Boolean).join('; ');
    push(
      `| ${r.pair} | ${r.kind} | ${side} | ${r.round} | ${fmt(r.msgsPerSec)} | ${fmt(r.mbPerSec)} | ${lat} | ${fmt(r.cpuPercent, '%')} | ${fmt(r.peakRssMb, ' MB')} | ${fmt(r.received)}/${fmt(total)} | ${r.batches ? fmt(round(r.batches.meanBatch, 1)) : '–'} | ${note} |`,
    );
  }
  if (profile) renderProfile(push, profile, '##');
  const supplementary = resultsDir
    ? readdirSync(resultsDir)
        .filter((f) => f.startsWith(`${results.date}-`) && f.endsWith('.json'))
        .map((f) => ({ file: f, data: JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) }))
    : [];
  if (supplementary.length > 0) {
    push('', '## Supplementary runs (same day, tagged)', '');
    for (const { file, data } of supplementary) {
      const st = data.settings;
      const rows = Object.values(data.summary).filter((x) => x.baselineMsgsPerSec || x.polybusMsgsPerSec);
      push(
        `### \`${st.tag}\` (\`bench/results/${file}\`, ${data.startedAt})`,
        '',
        ...(data.relabelled ? [`${data.relabelled}`, ''] : []),
        ...(data.note ? [data.note, ''] : []),
        `Built from \`${data.git?.commit ?? 'unknown'}\`${data.git?.uncommittedPackageFiles ? ` with ${data.git.uncommittedPackageFiles} uncommitted package file(s) (an experiment)` : ''}. N = ${st.n}, ${st.rounds} round(s), maxInFlight ${st.maxInFlight}, Kafka topics with ${st.kafkaPartitions} partition(s)${st.workers?.some((n) => n > 1) ? `, bridge workers ${st.workers.join(' and ')}` : ''}${st.connectionOptions && Object.keys(st.connectionOptions).length > 0 ? `, bridge adapter options \`${JSON.stringify(st.connectionOptions)}\`` : ''}.`,
      );
      if (rows.length > 0) {
        push(
          '',
          '| pair | baseline msg/s | polybus msg/s | ratio | polybus + transform msg/s | ratio | CPU µs per message baseline / bridge | added p50 / p99 ms | bridge peak RSS |',
          '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        );
        for (const s2 of rows) {
          push(
            `| ${s2.label} | ${fmt(s2.baselineMsgsPerSec)} | ${fmt(s2.polybusMsgsPerSec)} | ${fmt(s2.ratio, '×')} | ${fmt(s2.transformMsgsPerSec)} | ${fmt(s2.transformRatio, '×')} | ${fmt(s2.baselineCpuMicrosPerMsg)} / ${fmt(s2.polybusCpuMicrosPerMsg)} | ${fmt(s2.latency.addedP50Ms)} / ${fmt(s2.latency.addedP99Ms)} | ${fmt(s2.bridgePeakRssMb, ' MB')} |`,
          );
        }
      }
      push('');
      renderWorkers(push, data.summary, '####');
      const counted = data.runs.filter((r) => r.batches && !r.discarded);
      if (counted.length > 0) {
        push(
          '',
          'Messages per kafkajs `producer.send` (counted by `bench/lib/count-batches.cjs` in the pipe process):',
          '',
        );
        for (const r of counted) {
          const b = r.batches;
          push(
            `- ${r.pair} ${r.variant}${r.transform ? ' + transform' : ''}: ${fmt(b.kafkaSends)} sends for ${fmt(b.kafkaMessages)} messages, ${fmt(round(b.meanBatch, 1))} per send (${Object.entries(
              b.histogram,
            )
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`,
          );
        }
      }
      if (hasTracingRuns(data.runs))
        push('', ...renderTracingSection(data, { level: '####', markers: false }));
      if (data.profile) renderProfile(push, data.profile, '####', 12);
      push('');
    }
  }
  const findings = join(benchDir, 'findings.md');
  if (existsSync(findings)) {
    push('', readFileSync(findings, 'utf8').trimEnd());
  }
  push(
    '',
    '## Reproduce',
    '',
    '```sh',
    'bash scripts/brokers.sh up',
    `BENCH_ROUNDS=${settings.rounds}${settings.countBatches ? ' BENCH_COUNT_BATCHES=1' : ''} npm run bench   # the run on this page`,
    'BENCH_N=2000 npm run bench            # smoke run (its JSON goes to a temporary directory)',
    'BENCH_PAIRS=amqp-kafka,kafka-kafka npm run bench',
    '```',
    '',
    'Settings are documented in `bench/README.md`.',
    '',
  );
  return lines.join('\n');
}

export { PAIRS };
