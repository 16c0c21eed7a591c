import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { brokers } from '../brokers/index.mjs';
import { bridgeConfig } from './bridge-config.mjs';
import { startNode } from './child.mjs';
import { BODY_BYTES, makeBody, nowMs, readStamp } from './payload.mjs';
import { readProcTree, sampleProcess } from './proc-stats.mjs';
import { startShovel } from './shovel.mjs';
import { percentile, round as roundTo } from './stats.mjs';
import { exportedBetween } from './trace-sink.mjs';
import { waitForBrokers } from './wait-port.mjs';

/** Messages built and sent per fill step (bounds the harness' memory). */
const FILL_STEP = 10_000;

/** A free TCP port on 127.0.0.1 (for the bridge's HTTP server). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Counts what arrives at the sink: unique sequence numbers, duplicates, per-message latency
 * (arrival - send stamp), first/last arrival, and the pipe process' CPU time at the first and the
 * `expected`-th unique arrival. `done` resolves when `expected` unique messages arrived.
 */
function createTally(expected, { pid } = {}) {
  const seen = new Uint8Array(expected);
  const latencies = [];
  let resolveDone;
  const tally = {
    unique: 0,
    duplicates: 0,
    foreign: 0,
    firstAt: undefined,
    lastAt: undefined,
    cpuAtFirst: undefined,
    cpuAtLast: undefined,
    latencies,
    sentAt: [],
    /** The latest 200 latencies, warm-up included (ring buffer). */
    recent: new Float64Array(200).fill(Number.POSITIVE_INFINITY),
    recentNext: 0,
    pid,
    /** Sequence numbers from here on count for the latency figures. */
    measuredFrom: 0,
    done: new Promise((resolve) => {
      resolveDone = resolve;
    }),
    onBody(body) {
      const at = nowMs();
      const stamp = readStamp(body);
      if (stamp === undefined || stamp.seq >= expected) {
        tally.foreign += 1;
        return;
      }
      if (seen[stamp.seq] === 1) {
        tally.duplicates += 1;
        return;
      }
      seen[stamp.seq] = 1;
      tally.unique += 1;
      if (tally.firstAt === undefined) {
        tally.firstAt = at;
        const proc = tally.pid ? readProcTree(tally.pid) : undefined;
        tally.cpuAtFirst = proc?.cpuSeconds;
        tally.rssAtFirst = proc?.rssBytes;
      }
      tally.lastAt = at;
      tally.recent[tally.recentNext++ % tally.recent.length] = at - stamp.ts;
      if (stamp.seq >= tally.measuredFrom) {
        latencies.push(at - stamp.ts);
        tally.sentAt.push(stamp.ts);
      }
      if (tally.unique === expected) {
        tally.cpuAtLast = tally.pid ? readProcTree(tally.pid)?.cpuSeconds : undefined;
        resolveDone();
      }
    },
  };
  return tally;
}

function timeout(ms) {
  let timer;
  const promise = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  promise.cancel = () => clearTimeout(timer);
  return promise;
}

/** The worker count of a `polybus-w<N>` variant (BENCH_WORKERS), else undefined. Pure. */
export function workersOf(variant) {
  const match = /^polybus-w(\d+)$/.exec(variant);
  return match ? Number(match[1]) : undefined;
}

/** Starts the pipe under test (baseline child or `polybus run`), returns its handle. */
async function startPipe(ctx, { pair, variant, from, to, transform, profileDir, label, tracing }) {
  const logFile = join(ctx.logDir, `${label}.log`);
  const preload = [
    ...(ctx.settings.countBatches ? ['--require', join(ctx.benchDir, 'lib/count-batches.cjs')] : []),
    ...(ctx.settings.amqpTiming ? ['--require', join(ctx.benchDir, 'lib/amqp-timing.cjs')] : []),
    // BENCH_PROFILE_EVERY: a directory; every pipe process (baseline too) writes a .cpuprofile into <dir>/<label>.
    ...(process.env.BENCH_PROFILE_EVERY
      ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_PROFILE_EVERY, label)}`]
      : []),
  ];
  if (variant === 'baseline') {
    const spec = { source: pair.source, sink: pair.sink, from, to, maxInFlight: ctx.settings.maxInFlight };
    const child = startNode([...preload, join(ctx.benchDir, 'baseline/pipe.mjs'), JSON.stringify(spec)], {
      logFile,
      ipc: true,
    });
    return { child, logFile };
  }
  if (variant === 'shovel') {
    const child = await startShovel({
      name: label,
      from,
      to,
      maxInFlight: ctx.settings.maxInFlight,
      logFile,
    });
    return { child, logFile };
  }
  // `polybus` is this checkout's bridge, `polybus-w<N>` the same with `--workers N` (BENCH_WORKERS);
  // `polybus-<label>` the other checkout's (BENCH_BRIDGE_B).
  const workers = workersOf(variant);
  const other = variant !== 'polybus' && workers === undefined ? ctx.settings.bridgeB : undefined;
  const httpPort = await freePort();
  const configFile = join(ctx.logDir, `${label}.yaml`);
  writeFileSync(
    configFile,
    bridgeConfig({
      pair,
      from,
      to,
      maxInFlight: ctx.settings.maxInFlight,
      transform,
      httpPort,
      connectionOptions: ctx.settings.connectionOptions,
      tracing: tracing === undefined ? undefined : { endpoint: ctx.traceSink.endpoint, sampleRatio: tracing },
    }),
  );
  // Tracing is on only where the config says so: no OTEL_* from the caller's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const nodeArgs = [...preload, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = startNode(
    [
      ...nodeArgs,
      other?.cli ?? ctx.bridgeCli,
      'run',
      '-c',
      configFile,
      '--log-level',
      'warn',
      ...(workers === undefined ? [] : ['--workers', String(workers)]),
    ],
    { logFile, cwd: other?.repoDir ?? ctx.repoDir, env },
  );
  return { child, logFile, httpPort, configFile };
}

/**
 * Fresh admin and producer connections for one run (a broker restarted by someone else between
 * runs then costs nothing but that run's reconnect).
 */
async function openBrokers(pair) {
  await waitForBrokers([pair.source, pair.sink]);
  const src = await brokers[pair.source].admin();
  const dst = await brokers[pair.sink].admin();
  const producer = await brokers[pair.source].producer();
  return { src, dst, producer };
}

async function closeBrokers({ src, dst, producer }) {
  for (const c of [producer, src, dst]) await c.close().catch(() => undefined);
}

/**
 * Teardown shared by every run: stop sampling and the pipe process, mark disturbed runs, count Kafka
 * batches when asked, close the sink collector and remove the run's broker objects. Never throws.
 */
async function finishRun(ctx, record, { sampler, pipe, collector, brokerSet, from, to }) {
  sampler?.stop();
  if (pipe) record.exitCode = await pipe.child.stop();
  record.disturbed = disturbed(record);
  if (ctx.settings.countBatches && record.log) record.batches = batchesOf(record);
  if (ctx.settings.amqpTiming && record.log) record.amqpTiming = logLine(record, 'bench-amqp-timing');
  await collector?.close().catch(() => undefined);
  if (brokerSet) {
    await brokerSet.src.cleanup(from).catch(() => undefined);
    await brokerSet.dst.cleanup(to).catch(() => undefined);
    await closeBrokers(brokerSet);
  }
}

function names(ctx, pair, variant, kind, round) {
  const base = `bench-${ctx.runId}-${pair.id}-${variant}-${kind}-${round}`;
  return { from: `${base}-src`, to: `${base}-dst`, label: base };
}

/**
 * One throughput run: pre-fills N messages of 1 KiB into the source, starts the pipe, and measures
 * from the first to the N-th unique arrival at the sink consumer. Returns the run record.
 */
export async function throughputRun(
  ctx,
  { pair, variant, round, transform = false, profileDir, attempt = 1, tracing },
) {
  const n = ctx.settings.n;
  const kind = `${transform ? 'tt' : 't'}${tracing === undefined ? '' : `tr${Math.round(tracing * 100)}-`}${attempt}`;
  const { from, to, label } = names(ctx, pair, variant, kind, round);
  const record = { kind: 'throughput', pair: pair.id, variant, round, transform, n };
  if (tracing !== undefined) record.tracing = tracing;
  let exportedBefore;
  let brokerSet;
  let collector;
  let pipe;
  let sampler;
  try {
    brokerSet = await openBrokers(pair);
    const { src, dst, producer } = brokerSet;
    await src.prepare(from);
    await dst.prepare(to);
    for (let i = 0; i < n; i += FILL_STEP) {
      const bodies = [];
      for (let seq = i; seq < Math.min(n, i + FILL_STEP); seq++) bodies.push(makeBody(seq));
      await producer.send(from, bodies);
    }
    const tally = createTally(n);
    collector = await brokers[pair.sink].collect(to, tally.onBody);
    const startedAt = nowMs();
    if (tracing !== undefined) exportedBefore = await ctx.traceSink.stats();
    pipe = await startPipe(ctx, { pair, variant, from, to, transform, profileDir, label, tracing });
    tally.pid = pipe.child.pid;
    sampler = pipe.child.pid === undefined ? undefined : sampleProcess(pipe.child.pid);
    const limit = timeout(ctx.settings.runTimeoutMs);
    const outcome = await Promise.race([tally.done, limit, pipe.child.exited.then(() => 'exited')]);
    limit.cancel();
    const peakRssBytes = sampler?.stop().peakRssBytes;
    const seconds = tally.lastAt !== undefined ? (tally.lastAt - tally.firstAt) / 1000 : undefined;
    const counted = tally.unique - 1;
    Object.assign(record, {
      complete: outcome !== 'timeout' && outcome !== 'exited' && tally.unique === n,
      outcome: outcome === undefined ? 'done' : outcome,
      received: tally.unique,
      duplicates: tally.duplicates,
      foreign: tally.foreign,
      startupSeconds:
        tally.firstAt !== undefined ? roundTo((tally.firstAt - startedAt) / 1000, 2) : undefined,
      seconds: roundTo(seconds, 3),
      msgsPerSec: seconds > 0 ? roundTo(counted / seconds, 0) : undefined,
      mbPerSec: seconds > 0 ? roundTo((counted * BODY_BYTES) / seconds / 1048576, 2) : undefined,
      cpuSeconds: roundTo(cpuDelta(tally), 2),
      cpuPercent: seconds > 0 ? roundTo((cpuDelta(tally) / seconds) * 100, 0) : undefined,
      cpuMicrosPerMsg: counted > 0 ? roundTo((cpuDelta(tally) / counted) * 1e6, 1) : undefined,
      peakRssMb: peakRssBytes === undefined ? undefined : roundTo(peakRssBytes / 1048576, 1),
      rssAtFirstMb: tally.rssAtFirst ? roundTo(tally.rssAtFirst / 1048576, 1) : undefined,
      log: pipe.logFile,
    });
  } catch (error) {
    record.complete = false;
    record.error = String(error?.stack ?? error);
  } finally {
    await finishRun(ctx, record, { sampler, pipe, collector, brokerSet, from, to });
    // The bridge flushed its spans on SIGTERM before it exited (finishRun waited for the exit).
    if (exportedBefore) {
      const after = await ctx.traceSink.stats().catch(() => undefined);
      record.exported = exportedBetween(exportedBefore, after);
    }
  }
  return record;
}

/** p50 / p99 latency per second of send time (shows a steady state vs a draining backlog). */
function latencyTimeline(sentAt, latencies) {
  if (sentAt.length === 0) return [];
  const t0 = Math.min(...sentAt);
  const buckets = [];
  for (let i = 0; i < sentAt.length; i++) {
    const b = Math.floor((sentAt[i] - t0) / 1000);
    if (buckets[b] === undefined) buckets[b] = [];
    buckets[b].push(latencies[i]);
  }
  return Array.from(buckets, (list = [], second) => ({
    second,
    count: list.length,
    p50: roundTo(percentile(list, 50), 1),
    p99: roundTo(percentile(list, 99), 1),
  }));
}

/** Log lines of a pipe that mean a broker connection dropped during the run. */
const DISTURBANCE = /connection lost|reconnect|ECONNREFUSED|ECONNRESET|CONNECTION_FORCED|socket closed/i;

/**
 * True when the run was disturbed by something outside the pipe: a broker connection dropped (its
 * log says so) or messages were redelivered (duplicates at the sink). Such runs are repeated.
 */
function batchesOf(record) {
  return logLine(record, 'bench-batches');
}

/** The JSON of the last `<prefix> {json}` line a diagnostic preload wrote to the run's log. */
function logLine(record, prefix) {
  try {
    const line = readFileSync(record.log, 'utf8')
      .split('\n')
      .findLast((l) => l.startsWith(`${prefix} `));
    return line ? JSON.parse(line.slice(prefix.length + 1)) : undefined;
  } catch {
    return undefined;
  }
}

function disturbed(record) {
  if (record.duplicates > 0) return true;
  try {
    return record.log ? DISTURBANCE.test(readFileSync(record.log, 'utf8')) : false;
  } catch {
    return false;
  }
}

function cpuDelta(tally) {
  if (tally.cpuAtFirst === undefined || tally.cpuAtLast === undefined) return undefined;
  return tally.cpuAtLast - tally.cpuAtFirst;
}

/**
 * One latency run: starts the pipe, streams messages at `rate`/s (warm-up until the first one
 * arrives plus one second, then `rate * seconds` measured ones), and reports arrival - send
 * latency percentiles of the measured ones.
 */
export async function latencyRun(ctx, { pair, variant, round, attempt = 1 }) {
  const { latencyRate: rate, latencySeconds } = ctx.settings;
  const measured = Math.round(rate * latencySeconds);
  const maxWarmup = rate * 60;
  const total = maxWarmup + measured;
  const { from, to, label } = names(ctx, pair, variant, `l${attempt}`, round);
  const record = { kind: 'latency', pair: pair.id, variant, round, rate, measured };
  let brokerSet;
  let collector;
  let pipe;
  let sampler;
  try {
    brokerSet = await openBrokers(pair);
    const { src, dst, producer } = brokerSet;
    await src.prepare(from);
    await dst.prepare(to);
    // Sequence numbers: warm-up messages take 0.., the measured ones follow.
    const tally = createTally(total);
    tally.measuredFrom = Number.POSITIVE_INFINITY;
    collector = await brokers[pair.sink].collect(to, tally.onBody);
    pipe = await startPipe(ctx, { pair, variant, from, to, transform: false, label });
    sampler = sampleProcess(pipe.child.pid);
    const deadline = Date.now() + ctx.settings.runTimeoutMs;
    let seq = 0;
    let sendErrors = 0;
    const pending = new Set();
    const send = (count) => {
      const bodies = [];
      for (let i = 0; i < count; i++) bodies.push(makeBody(seq++));
      const p = producer.send(from, bodies).catch(() => {
        sendErrors += 1;
      });
      pending.add(p);
      p.finally(() => pending.delete(p));
    };
    const pace = async (until, limit = total) => {
      const t0 = nowMs();
      const seq0 = seq;
      while (!until() && seq < limit && Date.now() < deadline) {
        const due = Math.floor(((nowMs() - t0) * rate) / 1000) - (seq - seq0);
        if (due > 0) send(Math.min(due, limit - seq));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    // Warm-up: until the first message arrived, then at least one more second, and until the pipe
    // caught up with the start-up backlog (median of the latest 200 latencies under 50 ms), at most
    // settings.warmupLimitMs; a pipe that never catches up is flagged `saturated`.
    await pace(() => tally.unique > 0, maxWarmup);
    const warmStart = nowMs();
    await pace(
      () =>
        (nowMs() - warmStart >= 1000 && percentile(tally.recent, 50) < 50) ||
        nowMs() - warmStart >= ctx.settings.warmupLimitMs,
      maxWarmup,
    );
    const saturated = percentile(tally.recent, 50) >= 50;
    const measuredFrom = seq;
    tally.measuredFrom = measuredFrom;
    await pace(() => false, measuredFrom + measured);
    await Promise.all(pending);
    const waitUntil = Date.now() + 30_000;
    while (tally.latencies.length < measured && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { peakRssBytes } = sampler.stop();
    const latencies = tally.latencies;
    Object.assign(record, {
      complete: latencies.length >= measured,
      warmup: measuredFrom,
      saturated,
      received: latencies.length,
      sendErrors,
      duplicates: tally.duplicates,
      timeline: latencyTimeline(tally.sentAt, latencies),
      latencyMs: {
        p50: roundTo(percentile(latencies, 50), 2),
        p90: roundTo(percentile(latencies, 90), 2),
        p99: roundTo(percentile(latencies, 99), 2),
        max: roundTo(percentile(latencies, 100), 2),
      },
      peakRssMb: roundTo(peakRssBytes / 1048576, 1),
      log: pipe.logFile,
    });
  } catch (error) {
    record.complete = false;
    record.error = String(error?.stack ?? error);
  } finally {
    await finishRun(ctx, record, { sampler, pipe, collector, brokerSet, from, to });
  }
  return record;
}
