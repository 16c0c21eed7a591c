/**
 * `npm run bench`: raw-client baseline pipes vs the polybus bridge, pair by pair, A/B interleaved,
 * on the local brokers (127.0.0.1). Writes bench/results/<date>.json and docs/performance.md.
 * Settings: see lib/settings.mjs (BENCH_N, BENCH_PAIRS, BENCH_ROUNDS, ...).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokers, pairLabel } from './brokers/index.mjs';
import { killAllChildren } from './lib/child.mjs';
import { gitFacts, machineFacts } from './lib/machine.mjs';
import { latencyRun, throughputRun } from './lib/measure.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { renderMarkdown, renderProfile, summarise } from './lib/report.mjs';
import { readSettings } from './lib/settings.mjs';
import { startTraceSink } from './lib/trace-sink.mjs';
import {
  hasTracingRuns,
  renderTracingSection,
  spliceTracingSection,
  summariseTracing,
  tracingFindings,
} from './lib/tracing-report.mjs';
import { waitForBrokers } from './lib/wait-port.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = dirname(benchDir);

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

function describe(record) {
  if (record.error) return `FAILED: ${record.error.split('\n')[0]}`;
  if (record.kind === 'latency') {
    const l = record.latencyMs;
    return `p50 ${l.p50} ms, p99 ${l.p99} ms (${record.received}/${record.measured})${record.complete ? '' : ' INCOMPLETE'}`;
  }
  return `${record.msgsPerSec} msg/s, ${record.mbPerSec} MB/s, cpu ${record.cpuPercent ?? '–'}%, rss ${record.peakRssMb ?? '–'} MB (${record.received}/${record.n}${record.duplicates ? `, ${record.duplicates} dup` : ''})${record.complete ? '' : ` INCOMPLETE (${record.outcome})`}`;
}

/**
 * The throughput variants of `pair`: baseline and polybus, plus `polybus-w<N>` per BENCH_WORKERS
 * count above 1, BENCH_BRIDGE_B's and the Shovel.
 */
function throughputVariants(settings, pair, variants) {
  const list = settings.skipBaseline ? variants.filter((v) => v !== 'baseline') : [...variants];
  if (!settings.baselineOnly) for (const n of settings.workers) if (n > 1) list.push(`polybus-w${n}`);
  if (settings.bridgeB && !settings.baselineOnly) list.push(settings.bridgeB.variant);
  if (settings.shovel && pair.id === 'amqp-amqp') list.push('shovel');
  return list;
}

/** Two variants alternate (A B, B A); more rotate by one each round (A B C, B C A, C A B). */
function rotate(list, round) {
  if (list.length <= 2) return round % 2 === 1 ? list : [...list].reverse();
  const k = (round - 1) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function main() {
  const settings = readSettings();
  const startedAt = new Date();
  const runId = startedAt.toISOString().slice(11, 19).replace(/:/g, '');
  const logDir = mkdtempSync(join(tmpdir(), `polybus-bench-${runId}-`));
  const bridgeCli = join(repoDir, 'packages/bridge/dist/cli.js');
  if (!settings.baselineOnly && !existsSync(bridgeCli)) {
    throw new Error(`${bridgeCli} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  const used = [...new Set(settings.pairs.flatMap((p) => [p.source, p.sink]))];
  const versions = {};
  await waitForBrokers(used);
  for (const name of used) {
    const admin = await brokers[name].admin();
    versions[brokers[name].product] = await admin.version();
    await admin.close();
  }
  // Read before measuring: commits made while the run goes on are not what was built and measured.
  const git = gitFacts(repoDir);
  const ctx = { settings, runId, logDir, benchDir, repoDir, bridgeCli };
  log(
    `run ${runId}: N=${settings.n}, rounds=${settings.rounds}, workers=${settings.workers.join(',')}, pairs=${settings.pairs.map((p) => p.id).join(',')}, logs in ${logDir}`,
  );

  const runs = [];
  const record = (r) => {
    runs.push(r);
    const side = `${r.variant}${r.transform ? '+transform' : ''}${r.tracing === undefined ? '' : `+tracing ${r.tracing}`}`;
    log(
      `${r.pair} ${r.kind} ${side} #${r.round}: ${describe(r)}${r.exported ? `, ${r.exported.spans} spans` : ''}`,
    );
    return r;
  };
  // A run that failed to start, whose pipe died, or that a broker restart disturbed (reconnects in
  // its log, duplicates at the sink) is recorded as discarded and repeated once (typically another
  // engineer's test restarted the broker); a slow run is never repeated.
  const measure = async (fn, args) => {
    const first = await fn(ctx, args);
    if ((first.complete && !first.disturbed) || first.outcome === 'timeout') return record(first);
    first.discarded = true;
    record(first);
    await waitForBrokers([args.pair.source, args.pair.sink]).catch(() => undefined);
    return record(await fn(ctx, { ...args, attempt: 2 }));
  };
  const variants = settings.baselineOnly ? ['baseline'] : ['baseline', 'polybus'];
  const traced = (pair) =>
    !settings.baselineOnly && settings.tracingPairs.includes(pair.id) ? settings.tracingRatios : [];
  if (settings.pairs.some((p) => traced(p).length > 0)) {
    ctx.traceSink = await startTraceSink(ctx);
    log(`OTLP receiver for the tracing runs at ${ctx.traceSink.endpoint} (pid ${ctx.traceSink.pid})`);
  }
  for (const pair of settings.pairs) {
    log(`== ${pairLabel(pair)}`);
    // Throughput runs of one round: baseline, polybus (and the Shovel / another checkout's bridge when
    // asked), then polybus with tracing at each ratio (a tracing-only run leaves out the baseline).
    const arms = [
      ...throughputVariants(settings, pair, settings.tracingOnly ? ['polybus'] : variants).map((variant) => ({
        variant,
      })),
      ...traced(pair).map((tracing) => ({ variant: 'polybus', tracing })),
    ];
    for (let round = 1; settings.throughput && round <= settings.rounds; round++) {
      // Interleaved, the order rotating each round (B P, P B, ... ; with more arms A B C, B C A, ...).
      const order = rotate(arms, round);
      for (const arm of order) await measure(throughputRun, { pair, round, ...arm });
    }
    if (settings.throughput && settings.transform && !settings.baselineOnly) {
      await measure(throughputRun, { pair, variant: 'polybus', round: 1, transform: true });
    }
    if (settings.latency) {
      for (const variant of variants) await measure(latencyRun, { pair, variant, round: 1 });
    }
  }

  let profile;
  const profilePair = settings.pairs.find((p) => p.id === settings.profile);
  if (profilePair && !settings.baselineOnly) {
    if (settings.profileTracing !== undefined) ctx.traceSink ??= await startTraceSink(ctx);
    const profileDir = join(logDir, 'profile');
    mkdirSync(profileDir, { recursive: true });
    log(`profiling the bridge on ${profilePair.id} (--cpu-prof into ${profileDir})`);
    const r = await throughputRun(ctx, {
      pair: profilePair,
      variant: 'polybus',
      round: 1,
      profileDir,
      transform: settings.profileTransform,
      tracing: settings.profileTracing,
    });
    r.profiled = true;
    record(r);
    profile = { pair: profilePair.id, run: r, ...summariseProfile(profileDir, repoDir) };
  }

  await ctx.traceSink?.stop();
  const finishedAt = new Date();
  const results = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: machineFacts(),
    git,
    brokers: versions,
    settings: { ...settings, pairs: settings.pairs.map((p) => p.id), bodyBytes: 1024 },
    note: [
      process.env.BENCH_NOTE,
      settings.tracingOnly
        ? 'Tracing-off and tracing-on runs are interleaved per pair so drift of the machine affects both sides alike.'
        : 'Baseline and polybus runs are interleaved per pair so drift of the machine affects both sides alike.',
    ]
      .filter(Boolean)
      .join(' '),
    summary: summarise(runs, settings),
    tracing: hasTracingRuns(runs) ? summariseTracing(runs) : undefined,
    runs,
    profile,
  };
  if (settings.smoke) {
    const smokeFile = join(logDir, 'results.json');
    writeFileSync(smokeFile, `${JSON.stringify(results, null, 2)}\n`);
    log(`smoke run: wrote ${smokeFile} (bench/results and docs/performance.md left alone)`);
    return;
  }
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(resultsDir, `${results.date}${settings.tag ? `-${settings.tag}` : ''}.json`);
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (settings.tag) {
    log(`wrote ${resultsFile} (tagged run: docs/performance.md left alone)`);
    return;
  }
  if (settings.tracingOnly) {
    renderTracingOnly(resultsFile, results);
    return;
  }
  const docsFile = join(repoDir, 'docs/performance.md');
  writeFileSync(docsFile, renderMarkdown(results, { benchDir, resultsDir }));
  log(`wrote ${resultsFile} and ${docsFile}`);
}

/** `node bench/run.mjs --render <results.json>`: regenerates docs/performance.md from saved results. */
function renderOnly(file) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const docsFile = join(repoDir, 'docs/performance.md');
  writeFileSync(docsFile, renderMarkdown(results, { benchDir, resultsDir: join(benchDir, 'results') }));
  log(`wrote ${docsFile} from ${file}`);
}

/**
 * Replaces only the tracing section of docs/performance.md with the one of `results` (a
 * `BENCH_TRACING_ONLY=1` run, or `--render-tracing <results.json>`); the rest of the page stays.
 */
function renderTracingOnly(file, results = JSON.parse(readFileSync(file, 'utf8'))) {
  const docsFile = join(repoDir, 'docs/performance.md');
  const extra = [];
  if (results.profile) renderProfile((...l) => extra.push(...l), results.profile, '###', 15);
  extra.push(...tracingFindings(benchDir));
  const section = renderTracingSection(results, { extra });
  writeFileSync(docsFile, spliceTracingSection(readFileSync(docsFile, 'utf8'), section));
  log(`wrote the tracing section of ${docsFile} from ${file}`);
}

const renderIndex = process.argv.indexOf('--render');
const tracingIndex = process.argv.indexOf('--render-tracing');
(renderIndex > 0
  ? Promise.resolve().then(() => renderOnly(process.argv[renderIndex + 1]))
  : tracingIndex > 0
    ? Promise.resolve().then(() => renderTracingOnly(process.argv[tracingIndex + 1]))
    : main()
).then(
  () => process.exit(0),
  (error) => {
    log(`failed: ${error?.stack ?? error}`);
    killAllChildren();
    process.exit(1);
  },
);
