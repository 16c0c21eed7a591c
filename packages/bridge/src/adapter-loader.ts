import { type AdapterDescriptor, type AdapterRegistry, createRegistry, memoryAdapter } from '@polybus/core';
import { stdioAdapter } from './stdio/stdio-adapter.js';

/** One broker adapter package the bridge can load on demand, by the URL schemes it serves. */
export interface LazyBrokerAdapter {
  /** The npm package (for messages). */
  readonly packageName: string;
  /** Every scheme its descriptor serves (primary and aliases); checked against the descriptor in tests. */
  readonly schemes: readonly string[];
  /** Imports the package (once; later calls reuse the module) and returns its descriptor. */
  load(): Promise<AdapterDescriptor>;
}

/**
 * The broker adapters of this build, loaded only when asked for: each package brings its broker
 * client (amqplib, kafkajs, ioredis, nats), 5-10 MB of heap and code apiece, so a bridge loads only
 * those its config names.
 */
export const LAZY_BROKER_ADAPTERS: readonly LazyBrokerAdapter[] = [
  {
    packageName: '@polybus/adapter-amqp',
    schemes: ['amqp', 'amqps'],
    load: async () => (await import('@polybus/adapter-amqp')).amqpAdapter as AdapterDescriptor,
  },
  {
    packageName: '@polybus/adapter-kafka',
    schemes: ['kafka'],
    load: async () => (await import('@polybus/adapter-kafka')).kafkaAdapter as AdapterDescriptor,
  },
  {
    packageName: '@polybus/adapter-redis',
    schemes: ['redis', 'rediss'],
    load: async () => (await import('@polybus/adapter-redis')).redisAdapter as AdapterDescriptor,
  },
  {
    packageName: '@polybus/adapter-nats',
    schemes: ['nats'],
    load: async () => (await import('@polybus/adapter-nats')).natsAdapter as AdapterDescriptor,
  },
];

/** Schemes served in-process, always registered (nothing to load). */
const BUILT_IN_SCHEMES: ReadonlySet<string> = new Set(['memory', 'stdio']);

/**
 * Imports the broker adapters serving `schemes` (lower-case, as core's `schemeOf` returns them) and
 * returns their descriptors in a fixed order. Every adapter is loaded when `schemes` is omitted or
 * names a scheme no adapter serves, so that the unknown-scheme error can list every scheme there is.
 * Rejects only if a package fails to import.
 */
export async function loadBrokerAdapters(schemes?: Iterable<string>): Promise<AdapterDescriptor[]> {
  let wanted = LAZY_BROKER_ADAPTERS;
  if (schemes !== undefined) {
    const requested = [...schemes].filter((s) => !BUILT_IN_SCHEMES.has(s));
    const known = requested.every((s) => LAZY_BROKER_ADAPTERS.some((a) => a.schemes.includes(s)));
    if (known) wanted = LAZY_BROKER_ADAPTERS.filter((a) => a.schemes.some((s) => requested.includes(s)));
  }
  return Promise.all(wanted.map((adapter) => adapter.load()));
}

/**
 * A new registry with `memory://`, `stdio://` and the broker adapters serving `schemes` (all of them
 * when omitted; see {@link loadBrokerAdapters}). What the CLI uses; `createBridgeRegistry` is the
 * synchronous equivalent that always holds all four.
 */
export async function loadBridgeRegistry(schemes?: Iterable<string>): Promise<AdapterRegistry> {
  const brokers = await loadBrokerAdapters(schemes);
  return createRegistry(memoryAdapter, stdioAdapter as AdapterDescriptor, ...brokers);
}
