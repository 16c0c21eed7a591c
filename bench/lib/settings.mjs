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
 * - BENCH_BASELINE_ONLY: 1 to skip every polybus run (harness check without the bridge)
 * - BENCH_RUN_TIMEOUT_S: per-run time limit (default 300)
 * - BENCH_COUNT_BATCHES: 1 preloads lib/count-batches.cjs into both pipes (kafkajs messages per send)
 * - BENCH_CONNECTION_OPTIONS: JSON adapter options per broker for the bridge's connections, e.g.
 *   '{"nats":{"confirmAcks":false}}' (default none: the adapters' defaults)
 * - BENCH_NOTE: a sentence about the conditions of the run (e.g. "other tests ran meanwhile"), kept in the results
 * - BENCH_TAG: writes bench/results/<date>-<tag>.json and leaves docs/performance.md alone (a
 *   supplementary run, e.g. more Kafka partitions); the next untagged run lists it
 */
export function readSettings() {
  const n = int('BENCH_N', 40_000);
  const wanted = (process.env.BENCH_PAIRS ?? '').split(',').filter(Boolean);
  const unknown = wanted.filter((id) => !PAIRS.some((p) => p.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown pair(s) ${unknown.join(', ')}; known: ${PAIRS.map((p) => p.id).join(', ')}`);
  }
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
    transform: process.env.BENCH_TRANSFORM !== '0',
    throughput: process.env.BENCH_THROUGHPUT !== '0',
    latency: process.env.BENCH_LATENCY !== '0',
    latencyRate: int('BENCH_LATENCY_RATE', 1000),
    latencySeconds: int('BENCH_LATENCY_SECONDS', smoke ? 1 : 20),
    warmupLimitMs: smoke ? 5000 : 20_000,
    profile: profile === '0' || profile === '' ? undefined : profile,
    profileTransform: process.env.BENCH_PROFILE_TRANSFORM === '1',
    baselineOnly: process.env.BENCH_BASELINE_ONLY === '1',
    runTimeoutMs: int('BENCH_RUN_TIMEOUT_S', 300) * 1000,
    tag: /^[A-Za-z0-9_-]+$/.test(process.env.BENCH_TAG ?? '') ? process.env.BENCH_TAG : undefined,
    connectionOptions: JSON.parse(process.env.BENCH_CONNECTION_OPTIONS || '{}'),
    countBatches: process.env.BENCH_COUNT_BATCHES === '1',
    kafkaPartitions: int('BENCH_KAFKA_PARTITIONS', 1),
  };
}
