import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PAIRS } from '../brokers/index.mjs';

function int(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * BENCH_WORKERS: comma-separated worker counts of the polybus runs (default `1`). 1 is the `polybus`
 * variant; every N > 1 adds a `polybus-w<N>` variant (`polybus run --workers N`) to each round.
 */
function workerCounts() {
  const raw = process.env.BENCH_WORKERS ?? '1';
  const counts = raw.split(',').map((v) => v.trim());
  if (counts.some((v) => !/^[1-9]\d*$/.test(v)))
    throw new Error(`BENCH_WORKERS must be comma-separated positive integers, got "${raw}"`);
  return [...new Set(counts.map(Number))].sort((a, b) => a - b);
}

/** The other checkout of BENCH_BRIDGE_B: its root, bridge CLI and variant label; undefined without. */
function bridgeB() {
  const root = process.env.BENCH_BRIDGE_B;
  if (!root) return undefined;
  const cli = resolve(root, 'packages/bridge/dist/cli.js');
  if (!existsSync(cli)) throw new Error(`BENCH_BRIDGE_B: ${cli} is missing (build that checkout first)`);
  const label = process.env.BENCH_BRIDGE_B_LABEL || 'b';
  if (!/^[a-z0-9-]+$/.test(label)) throw new Error('BENCH_BRIDGE_B_LABEL: lower-case letters, digits, -');
  return { repoDir: resolve(root), cli, variant: `polybus-${label}` };
}

/**
 * The benchmark settings, from the environment:
 * - BENCH_N: messages per throughput run (default 40000); below 10000 is a smoke run (see below)
 * - BENCH_PAIRS: comma-separated pair ids (default all: kafka-kafka,amqp-kafka,kafka-amqp,redis-nats,nats-redis,amqp-amqp)
 * - BENCH_ROUNDS: A/B rounds per pair (default 2)
 * - BENCH_MAX_IN_FLIGHT: in-flight bound of both pipes (default 256)
 * - BENCH_TRANSFORM: 1 to add a polybus run with a JSONata transform per pair (default 1)
 * - BENCH_THROUGHPUT: 0 to skip the throughput runs (latency only)
 * - BENCH_LATENCY: 1 to add the fixed-rate latency runs (default 1)
 * - BENCH_LATENCY_RATE / BENCH_LATENCY_SECONDS: 1000 msg/s for 20 s (a 5 s run holds only 50 samples
 *   above its p99: its p99 moved by up to 30 ms between identical runs)
 * - BENCH_PROFILE: a pair id to profile the bridge on with --cpu-prof, or 0 (default amqp-kafka)
 * - BENCH_PROFILE_TRANSFORM: 1 to profile the run with the JSONata transform instead
 * - BENCH_PROFILE_TRACING: a sampling ratio to profile a run with tracing on at that ratio (default none)
 * - BENCH_BASELINE_ONLY: 1 to skip every polybus run (harness check without the bridge)
 * - BENCH_RUN_TIMEOUT_S: per-run time limit (default 300)
 * - BENCH_COUNT_BATCHES: 1 preloads lib/count-batches.cjs into both pipes (kafkajs messages per send)
 * - BENCH_CONNECTION_OPTIONS: JSON adapter options per broker for the bridge's connections, e.g.
 *   '{"nats":{"confirmAcks":false}}' (default none: the adapters' defaults)
 * - BENCH_WORKERS: worker counts of the polybus runs (default 1; each N > 1 adds a polybus-w<N> variant)
 * - BENCH_NOTE: a sentence about the conditions of the run (e.g. "other tests ran meanwhile"), kept in the results
 * - BENCH_TRACING: sampling ratios (0 < r <= 1, comma-separated) of the extra polybus throughput runs
 *   with tracing on, exporting OTLP to the harness' receiver (default 1,0.1); 0 for none
 * - BENCH_TRACING_PAIRS: the pairs that get those runs (default kafka-kafka,amqp-amqp)
 * - BENCH_TRACING_ONLY: 1 runs only polybus tracing-off and tracing-on throughput runs of the tracing
 *   pairs, writes bench/results/<date>-tracing.json and replaces only the tracing section of
 *   docs/performance.md
 * - BENCH_SHOVEL: 1 adds a RabbitMQ Shovel run (lib/shovel.mjs) per round to the amqp-amqp pair
 * - BENCH_BRIDGE_B: the root of another checkout (built) whose bridge runs as variant
 *   `polybus-<BENCH_BRIDGE_B_LABEL>` (default `b`) beside this checkout's, interleaved: an A/B of two
 *   commits in one run (e.g. a `git worktree` of the commit before a change)
 * - BENCH_SKIP_BASELINE: 1 leaves the raw-client baseline out of the throughput rounds
 * - BENCH_AMQP_TIMING: 1 preloads lib/amqp-timing.cjs into both pipes (where RabbitMQ time goes)
 * - BENCH_TAG: writes bench/results/<date>-<tag>.json and leaves docs/performance.md alone (a
 *   supplementary run, e.g. more Kafka partitions); the next untagged run lists it
 */
function ratios(name, fallback) {
  const raw = process.env[name] ?? fallback;
  if (raw === '0' || raw === '') return [];
  return raw.split(',').map((part) => {
    const value = Number(part);
    if (!(value > 0 && value <= 1)) throw new Error(`${name} must list ratios in (0, 1], got "${raw}"`);
    return value;
  });
}

function pairIds(name, fallback) {
  const ids = (process.env[name] ?? fallback).split(',').filter(Boolean);
  const unknown = ids.filter((id) => !PAIRS.some((p) => p.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `unknown pair(s) ${unknown.join(', ')} in ${name}; known: ${PAIRS.map((p) => p.id).join(', ')}`,
    );
  }
  return ids;
}

export function readSettings() {
  const n = int('BENCH_N', 40_000);
  const tracingOnly = process.env.BENCH_TRACING_ONLY === '1';
  const tracingPairs = pairIds('BENCH_TRACING_PAIRS', 'kafka-kafka,amqp-amqp');
  const wanted = tracingOnly ? tracingPairs : pairIds('BENCH_PAIRS', '');
  // Smoke mode (BENCH_N below 10000): one round, a short latency run, no profile, and the results go
  // to the temporary log directory, never to bench/results or docs/performance.md.
  const smoke = n < 10_000;
  const profile = process.env.BENCH_PROFILE ?? (smoke ? '0' : 'amqp-kafka');
  return {
    n,
    pairs: wanted.length > 0 ? PAIRS.filter((p) => wanted.includes(p.id)) : PAIRS,
    smoke,
    rounds: int('BENCH_ROUNDS', smoke ? 1 : 2),
    maxInFlight: int('BENCH_MAX_IN_FLIGHT', 256),
    transform: !tracingOnly && process.env.BENCH_TRANSFORM !== '0',
    throughput: tracingOnly || process.env.BENCH_THROUGHPUT !== '0',
    latency: !tracingOnly && process.env.BENCH_LATENCY !== '0',
    latencyRate: int('BENCH_LATENCY_RATE', 1000),
    latencySeconds: int('BENCH_LATENCY_SECONDS', smoke ? 1 : 20),
    warmupLimitMs: smoke ? 5000 : 20_000,
    profile:
      (tracingOnly && process.env.BENCH_PROFILE === undefined) || profile === '0' || profile === ''
        ? undefined
        : profile,
    profileTracing: ratios('BENCH_PROFILE_TRACING', '0')[0],
    profileTransform: process.env.BENCH_PROFILE_TRANSFORM === '1',
    baselineOnly: process.env.BENCH_BASELINE_ONLY === '1',
    runTimeoutMs: int('BENCH_RUN_TIMEOUT_S', 300) * 1000,
    tag: /^[A-Za-z0-9_-]+$/.test(process.env.BENCH_TAG ?? '')
      ? process.env.BENCH_TAG
      : tracingOnly
        ? 'tracing'
        : undefined,
    connectionOptions: JSON.parse(process.env.BENCH_CONNECTION_OPTIONS || '{}'),
    countBatches: process.env.BENCH_COUNT_BATCHES === '1',
    amqpTiming: process.env.BENCH_AMQP_TIMING === '1',
    shovel: process.env.BENCH_SHOVEL === '1',
    skipBaseline: process.env.BENCH_SKIP_BASELINE === '1',
    bridgeB: bridgeB(),
    kafkaPartitions: int('BENCH_KAFKA_PARTITIONS', 1),
    workers: workerCounts(),
    tracingRatios: ratios('BENCH_TRACING', '1,0.1'),
    tracingPairs,
    tracingOnly,
  };
}
