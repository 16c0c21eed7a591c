import { type AdapterDescriptor, type AdapterRegistry, createRegistry, memoryAdapter } from '@polybus/core';
import { stdioAdapter } from './stdio/stdio-adapter.js';

/** One row of the adapter table: a broker adapter package, the export holding its descriptor, its schemes. */
export interface AdapterTableEntry {
  /** The npm package, imported only when a config names one of its schemes. */
  readonly packageName: string;
  /** The package's export holding its `AdapterDescriptor`. */
  readonly exportName: string;
  /** Every scheme its descriptor serves (primary and aliases); checked against the descriptor in tests. */
  readonly schemes: readonly string[];
}

/**
 * THE list of broker adapters this build of the bridge can use: adding an adapter is one row here
 * (and the package in this package's dependencies). Each package brings its broker client (amqplib,
 * kafkajs, ioredis, nats), 5-10 MB of heap and code apiece, so nothing here is imported until asked
 * for.
 */
export const ADAPTER_TABLE: readonly AdapterTableEntry[] = [
  { packageName: '@polybus/adapter-amqp', exportName: 'amqpAdapter', schemes: ['amqp', 'amqps'] },
  { packageName: '@polybus/adapter-kafka', exportName: 'kafkaAdapter', schemes: ['kafka', 'kafkas'] },
  { packageName: '@polybus/adapter-redis', exportName: 'redisAdapter', schemes: ['redis', 'rediss'] },
  { packageName: '@polybus/adapter-nats', exportName: 'natsAdapter', schemes: ['nats'] },
  { packageName: '@polybus/adapter-mqtt', exportName: 'mqttAdapter', schemes: ['mqtt', 'mqtts'] },
  { packageName: '@polybus/adapter-amqp1', exportName: 'amqp1Adapter', schemes: ['amqp1', 'amqps1'] },
  { packageName: '@polybus/adapter-zeromq', exportName: 'zeromqAdapter', schemes: ['zmq+tcp', 'zmq+ipc'] },
  {
    packageName: '@polybus/adapter-rocketmq',
    exportName: 'rocketmqAdapter',
    schemes: ['rocketmq', 'rocketmqs'],
  },
];

/** One broker adapter package the bridge can load on demand, by the URL schemes it serves. */
export interface LazyBrokerAdapter extends AdapterTableEntry {
  /** Imports the package (once; later calls reuse the module) and returns its descriptor. */
  load(): Promise<AdapterDescriptor>;
}

function lazy(entry: AdapterTableEntry): LazyBrokerAdapter {
  let loading: Promise<AdapterDescriptor> | undefined;
  return {
    ...entry,
    load() {
      loading ??= import(entry.packageName).then((module: Record<string, unknown>) => {
        const descriptor = module[entry.exportName];
        if (!isDescriptor(descriptor))
          throw new TypeError(
            `${entry.packageName} does not export an adapter descriptor ${entry.exportName}`,
          );
        return descriptor;
      });
      return loading;
    },
  };
}

function isDescriptor(value: unknown): value is AdapterDescriptor {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AdapterDescriptor).scheme === 'string' &&
    typeof (value as AdapterDescriptor).create === 'function'
  );
}

/** {@link ADAPTER_TABLE} with a loader per row. */
export const LAZY_BROKER_ADAPTERS: readonly LazyBrokerAdapter[] = ADAPTER_TABLE.map(lazy);

/** Schemes served in-process, always registered (nothing to load). */
const BUILT_IN_SCHEMES: ReadonlySet<string> = new Set(['memory', 'stdio']);

/** The adapters always present: `memory://` and `stdio://`. */
export function builtInAdapters(): AdapterDescriptor[] {
  return [memoryAdapter, stdioAdapter as AdapterDescriptor];
}

/**
 * Imports the broker adapters serving `schemes` (lower-case, as core's `schemeOf` returns them) and
 * returns their descriptors in table order. Every adapter is loaded when `schemes` is omitted or
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
 * when omitted; see {@link loadBrokerAdapters}). What the CLI uses.
 */
export async function loadBridgeRegistry(schemes?: Iterable<string>): Promise<AdapterRegistry> {
  const brokers = await loadBrokerAdapters(schemes);
  return createRegistry(...builtInAdapters(), ...brokers);
}
