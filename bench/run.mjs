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
import { renderMarkdown, summarise } from './lib/report.mjs';
import { readSettings } from './lib/settings.mjs';
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
  return `${record.msgsPerSec} msg/s, ${record.mbPerSec} MB/s, cpu ${record.cpuPercent}%, rss ${record.peakRssMb} MB (${record.received}/${record.n}${record.duplicates ? `, ${record.duplicates} dup` : ''})${record.complete ? '' : ` INCOMPLETE (${record.outcome})`}`;
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
  const ctx = { settings, runId, logDir, benchDir, repoDir, bridgeCli };
  log(
    `run ${runId}: N=${settings.n}, rounds=${settings.rounds}, pairs=${settings.pairs.map((p) => p.id).join(',')}, logs in ${logDir}`,
  );

  const runs = [];
  const record = (r) => {
    runs.push(r);
    log(`${r.pair} ${r.kind} ${r.variant}${r.transform ? '+transform' : ''} #${r.round}: ${describe(r)}`);
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
  for (const pair of settings.pairs) {
    log(`== ${pairLabel(pair)}`);
    for (let round = 1; settings.throughput && round <= settings.rounds; round++) {
      // A/B interleaved, alternating which goes first: B P, P B, B P ...
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) await measure(throughputRun, { pair, variant, round });
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
    const profileDir = join(logDir, 'profile');
    mkdirSync(profileDir, { recursive: true });
    log(`profiling the bridge on ${profilePair.id} (--cpu-prof into ${profileDir})`);
    const r = await throughputRun(ctx, {
      pair: profilePair,
      variant: 'polybus',
      round: 1,
      profileDir,
      transform: settings.profileTransform,
    });
    r.profiled = true;
    record(r);
    profile = { pair: profilePair.id, run: r, ...summariseProfile(profileDir, repoDir) };
  }

  const finishedAt = new Date();
  const results = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: machineFacts(),
    git: gitFacts(repoDir),
    brokers: versions,
    settings: { ...settings, pairs: settings.pairs.map((p) => p.id), bodyBytes: 1024 },
    note: [
      process.env.BENCH_NOTE,
      'Baseline and polybus runs are interleaved per pair so drift of the machine affects both sides alike.',
    ]
      .filter(Boolean)
      .join(' '),
    summary: summarise(runs, settings),
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

const renderIndex = process.argv.indexOf('--render');
(renderIndex > 0 ? Promise.resolve().then(() => renderOnly(process.argv[renderIndex + 1])) : main()).then(
  () => process.exit(0),
  (error) => {
    log(`failed: ${error?.stack ?? error}`);
    killAllChildren();
    process.exit(1);
  },
);
