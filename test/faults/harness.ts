import { readFileSync } from 'node:fs';
import { createBridgeRegistry } from '@polybus/bridge';
import { type Address, createMessage, type Delivery, type Transport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { BridgeProcess, writeConfig } from '../helpers/bridge-process.js';
import { BROKERS, type BrokerName, type BrokerSpec } from './brokers.js';
import { decodeObserved, encodeObserved, judge, type Observed, type Verdict } from './oracle.js';
import { FAULT_WORKERS } from './workers.js';

/**
 * Shared machinery of the fault scenarios: the suite's own transports (producer and sink reader),
 * bridge configs, spawning the real CLI, RSS sampling and waiting on conditions.
 */

/** `POLYBUS_FAULT_SCALE`: 1 = the issue's sizes (100,000 messages, 10 kills); default 0.05 for CI. */
export const SCALE = Number(process.env.POLYBUS_FAULT_SCALE ?? '0.05');
/** Messages for one transfer of size `full` (the issue's figure) at the current scale, at least `min`. */
export const scaled = (full: number, min = 200): number => Math.max(min, Math.round(full * SCALE));
/** Keys the producer spreads messages over (each with its own sequence). */
export const KEYS = 16;

const transports: Transport[] = [];
const bridges: BridgeProcess[] = [];

/** Opens one of the suite's own transports (closed by {@link cleanup}). */
export async function openTransport(
  spec: BrokerSpec,
  extra: Record<string, unknown> = {},
): Promise<Transport> {
  const transport = createBridgeRegistry().createTransport(spec.url, { ...spec.options, ...extra });
  transports.push(transport);
  await transport.connect();
  return transport;
}

/** Kills every bridge still running and closes every transport the scenario opened. */
export async function cleanup(): Promise<void> {
  for (const b of bridges.splice(0)) b.kill();
  await Promise.all(transports.splice(0).map((t) => t.close({ timeoutMs: 1000 }).catch(() => undefined)));
}

/** Stops every bridge still running: SIGTERM (so in-flight work goes back to the source), then SIGKILL. */
export async function stopBridges(): Promise<void> {
  await Promise.all(
    bridges
      .splice(0)
      .map((b) => (b.exitCode !== undefined ? undefined : b.stop('SIGTERM', 15_000).catch(() => b.kill()))),
  );
}

/** Where a route reads from: broker, address and the group the bridge consumes it with. */
export interface RouteSource {
  readonly broker: BrokerName;
  readonly address: Address;
  readonly group: string;
}

/**
 * Judges a run like {@link judge}; when messages are missing at the sink, first stops the bridges and
 * reads the source back with the bridge's own group, so a message the route never moved (still
 * queued, pending or uncommitted at the source) counts as stranded rather than lost. Reading stops
 * once every missing id was found, after 10 s without a new one (long enough for the suite's
 * redelivery timeouts: Redis claim 3 s, JetStream ack wait 5 s, Kafka session 6 s), or after 60 s.
 */
export async function judgeRoute(
  sent: readonly Observed[],
  sink: SinkReader,
  source: RouteSource,
): Promise<Verdict> {
  const held = sink.inSinkOrder();
  const first = judge(sent, held);
  if (first.lost === 0) return first;
  await stopBridges();
  const seen = new Set(sink.received.map((m) => m.id));
  const missing = new Set(sent.filter((m) => !seen.has(m.id)).map((m) => m.id));
  const found = new Set<string>();
  let lastFound = Date.now();
  let wake: (() => void) | undefined;
  const transport = await openTransport(BROKERS[source.broker]);
  const subscription = await transport.subscribe(
    source.address,
    async (d) => {
      const id = decodeObserved(d.message.body)?.id;
      if (id !== undefined && missing.has(id) && !found.has(id)) {
        found.add(id);
        lastFound = Date.now();
        if (found.size === missing.size) wake?.();
      }
      await d.ack();
    },
    { group: source.group, maxInFlight: 512 },
  );
  const deadline = Date.now() + 60_000;
  while (found.size < missing.size && Date.now() < deadline && Date.now() - lastFound < 10_000) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 500);
    });
  }
  await subscription.close({ timeoutMs: 5_000 }).catch(() => undefined);
  return judge(sent, held, found);
}

/** True when every named broker answers (throws with POLYBUS_REQUIRE_BROKERS=1 when one does not). */
export async function brokersUp(...names: BrokerName[]): Promise<boolean> {
  let up = true;
  for (const n of names) up = (await requireBroker(n, BROKERS[n].host, BROKERS[n].port)) && up;
  return up;
}

/** The test messages of one run: `count` ids over {@link KEYS} keys, per-key sequence numbers. */
export function makeObserved(prefix: string, count: number, from = 0): Observed[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const key = `k${i % KEYS}`;
    return { id: `${prefix}-${i}`, key, seq: Math.floor(i / KEYS) };
  });
}

/** Publishes `observed` to `address` in confirmed batches; resolves with what the broker confirmed. */
export async function produce(
  transport: Transport,
  address: Address,
  observed: readonly Observed[],
  options: {
    batch?: number;
    size?: number;
    headers?: Record<string, string>;
    retryForMs?: number;
    onRetry?: () => void;
    /** Called after each batch the broker confirmed. */
    onConfirmed?: () => void;
  } = {},
): Promise<Observed[]> {
  const batch = options.batch ?? 250;
  const confirmed: Observed[] = [];
  for (let i = 0; i < observed.length; i += batch) {
    const slice = observed.slice(i, i + batch);
    const deadline = Date.now() + (options.retryForMs ?? 0);
    for (;;) {
      try {
        await publishSlice(transport, address, slice, options);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        options.onRetry?.();
        await sleep(500);
      }
    }
    confirmed.push(...slice);
    options.onConfirmed?.();
  }
  return confirmed;
}

/**
 * Like {@link produce}, but never more than `window` messages ahead of what `sink` has received: for a
 * source broker that drops what it holds beyond a limit for an absent or slow consumer
 * ({@link BrokerSpec.maxBacklog}), so the run measures the bridge, not that limit.
 */
export async function produceBehind(
  transport: Transport,
  address: Address,
  observed: readonly Observed[],
  sink: SinkReader,
  window: number,
  batch = 250,
): Promise<Observed[]> {
  const confirmed: Observed[] = [];
  for (let i = 0; i < observed.length; i += batch) {
    await sink.until(() => sink.distinct >= i + batch - window, 240_000, `the sink within ${window} of ${i}`);
    confirmed.push(...(await produce(transport, address, observed.slice(i, i + batch), { batch })));
  }
  return confirmed;
}

function publishSlice(
  transport: Transport,
  address: Address,
  slice: readonly Observed[],
  options: { size?: number; headers?: Record<string, string> },
): Promise<void> {
  return transport.publish(
    address,
    slice.map((m) =>
      createMessage({
        id: m.id,
        key: m.key,
        headers: { 'content-type': 'application/json', ...options.headers },
        body: new TextEncoder().encode(encodeObserved(m, options.size)),
      }),
    ),
  );
}

/**
 * Where a delivery sits in the sink (Kafka partition and offset, RocketMQ queue id and offset, JetStream
 * stream sequence, Redis stream entry id) as a sortable pair, or undefined where the broker gives none
 * (RabbitMQ, a RocketMQ redelivery from the group's retry topic).
 */
function sinkPosition(d: Delivery): readonly [bigint, bigint] | undefined {
  const { partition, offset, streamId } = d.source;
  if (partition !== undefined && offset !== undefined) return [BigInt(partition), BigInt(offset)];
  if (offset !== undefined && /^\d+$/.test(offset)) return [0n, BigInt(offset)];
  const entry = streamId === undefined ? undefined : /^(\d+)-(\d+)$/.exec(streamId);
  return entry ? [BigInt(entry[1]!), BigInt(entry[2]!)] : undefined;
}

/** The suite's reader on a sink address: a consumer group that records every delivery in arrival order. */
export class SinkReader {
  readonly received: Observed[] = [];
  /** Sink position of each of `received` (same index), where the broker gives one. */
  readonly #positions: (readonly [bigint, bigint] | undefined)[] = [];
  readonly deliveries: {
    id: string;
    observed: Observed | undefined;
    headers: Record<string, string>;
    body: Uint8Array;
  }[] = [];
  readonly #distinct = new Set<string>();
  /** When the last new id arrived (or the reader opened). */
  #lastNewAt = Date.now();
  #waiters: (() => void)[] = [];

  /** Distinct ids seen. */
  get distinct(): number {
    return this.#distinct.size;
  }

  readonly #group = uniqueName('faults-check');
  #transport: Transport | undefined;

  /** Subscribes a fresh group on `address` of `spec` (before anything is sent there). */
  static async open(spec: BrokerSpec, address: Address, keepDeliveries = false): Promise<SinkReader> {
    const reader = new SinkReader();
    await reader.#subscribe(spec, address, keepDeliveries);
    return reader;
  }

  async #subscribe(spec: BrokerSpec, address: Address, keep: boolean): Promise<void> {
    const transport = await openTransport(spec);
    this.#transport = transport;
    await transport.subscribe(address, (d) => this.#take(d, keep), { group: this.#group, maxInFlight: 512 });
  }

  /**
   * After the sink broker was stopped and started again: closes the reader's connection (waiting at
   * most 5 s) and subscribes its group again on a new one, so what the group had not acked comes on
   * without waiting out the old connection's reconnect backoff. Restarts the idle clock of
   * {@link waitDistinct}. Rejects when the new subscription fails (the broker may not route the
   * address yet: call again).
   */
  async reconnect(spec: BrokerSpec, address: Address, keepDeliveries = false): Promise<void> {
    const old = this.#transport;
    this.#transport = undefined;
    await Promise.race([old?.close({ timeoutMs: 1000 }).catch(() => undefined), sleep(5000)]);
    this.#lastNewAt = Date.now();
    await this.#subscribe(spec, address, keepDeliveries);
  }

  async #take(d: Delivery, keep: boolean): Promise<void> {
    const observed = decodeObserved(d.message.body);
    if (observed) {
      this.received.push(observed);
      this.#positions.push(sinkPosition(d));
      if (!this.#distinct.has(observed.id)) {
        this.#distinct.add(observed.id);
        this.#lastNewAt = Date.now();
      }
    }
    if (keep)
      this.deliveries.push({
        id: d.message.id,
        observed,
        headers: { ...d.message.headers },
        body: d.message.body,
      });
    await d.ack();
    for (const w of this.#waiters.splice(0)) w();
  }

  /**
   * What the sink holds, in the sink's own order: sorted by position and with each position once,
   * when the broker gives positions for every delivery; else {@link received} as it arrived. So the
   * checker's own redeliveries (its connection froze or restarted with the broker) count neither as
   * duplicates nor as reorders: those describe the bridge, not the checker.
   */
  inSinkOrder(): Observed[] {
    const positions = this.#positions;
    if (positions.some((p) => p === undefined)) return this.received;
    const order = this.received.map((_, i) => i);
    const at = (i: number) => positions[i]!;
    order.sort((a, b) => {
      const [pa, oa] = at(a);
      const [pb, ob] = at(b);
      return pa === pb ? (oa < ob ? -1 : oa > ob ? 1 : 0) : pa < pb ? -1 : 1;
    });
    const out: Observed[] = [];
    let last: readonly [bigint, bigint] | undefined;
    for (const i of order) {
      const p = at(i);
      if (last === undefined || last[0] !== p[0] || last[1] !== p[1]) out.push(this.received[i]!);
      last = p;
    }
    return out;
  }

  /** Resolves once `predicate` holds (checked on every delivery); rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; distinct ${this.distinct}, received ${this.received.length}`,
          ),
        );
      }, timeoutMs);
      check();
    });
  }

  /**
   * Waits for `count` distinct ids, then `settleMs` more for late duplicates. With `idleMs`, also
   * stops once no new id arrived for that long (for sinks that may rightly lose some, e.g. a Redis
   * restart without persistence, so the wait does not run to `timeoutMs`).
   */
  async waitDistinct(count: number, timeoutMs: number, settleMs = 1500, idleMs?: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.distinct < count && Date.now() < deadline) {
      if (idleMs !== undefined && Date.now() - this.#lastNewAt >= idleMs) break;
      await sleep(250);
    }
    await sleep(settleMs);
  }
}

/** A route in the generated YAML. */
export interface RouteSpec {
  readonly name?: string;
  readonly from: { broker: BrokerName; yaml: Record<string, string>; group?: string; connection?: string };
  readonly to: { broker: BrokerName; yaml: Record<string, string>; connection?: string; when?: string }[];
  readonly maxInFlight?: number;
  /** Extra YAML lines of the route (already indented by 4). */
  readonly extra?: string;
}

const flow = (value: Record<string, unknown>): string =>
  `{ ${Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;

/** Bridge YAML: one connection per broker used (named after it unless overridden), HTTP on a free port. */
export function bridgeYaml(
  routes: readonly RouteSpec[],
  options: {
    shutdownTimeout?: string;
    connections?: Record<string, { url: string; options?: Record<string, unknown> }>;
  } = {},
): string {
  const conns = new Map<string, { url: string; options?: Record<string, unknown> }>();
  for (const r of routes)
    for (const b of [r.from.broker, ...r.to.map((t) => t.broker)])
      conns.set(b, { url: BROKERS[b].url, options: BROKERS[b].options });
  for (const [k, v] of Object.entries(options.connections ?? {})) conns.set(k, v);
  const lines = ['connections:'];
  for (const [name, c] of conns)
    lines.push(`  ${name}: ${JSON.stringify({ url: c.url, options: c.options ?? {} })}`);
  lines.push('http: { port: 0 }');
  if (options.shutdownTimeout) lines.push(`shutdownTimeout: ${options.shutdownTimeout}`);
  lines.push('routes:');
  routes.forEach((r, i) => {
    lines.push(`  - name: ${r.name ?? `r${i}`}`);
    lines.push(
      `    from: ${flow({ connection: r.from.connection ?? r.from.broker, ...r.from.yaml, group: r.from.group })}`,
    );
    lines.push(
      `    to: [${r.to.map((t) => flow({ connection: t.connection ?? t.broker, ...t.yaml, when: t.when })).join(', ')}]`,
    );
    lines.push(`    maxInFlight: ${r.maxInFlight ?? 64}`);
    if (r.extra) lines.push(r.extra);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Starts `polybus run` on `yaml` (killed by {@link cleanup}); with `POLYBUS_FAULT_WORKERS=N` (N > 1)
 * as `--workers N`: a supervisor and N workers sharing the routes' groups.
 */
export async function startBridge(
  yamlOrFile: string,
  env: Record<string, string> = {},
): Promise<BridgeProcess> {
  const file = yamlOrFile.includes('\n') ? writeConfig(yamlOrFile) : yamlOrFile;
  const bridge = await BridgeProcess.start(file, {
    env: { POLYBUS_LOG_LEVEL: 'info', ...env },
    timeoutMs: 60_000,
    args: FAULT_WORKERS > 1 ? ['--workers', String(FAULT_WORKERS)] : [],
  });
  bridges.push(bridge);
  return bridge;
}

/** The bridge's processes: the one started, plus its current workers with `--workers` (for RSS). */
export function bridgePids(bridge: BridgeProcess): number[] {
  return [bridge.child.pid, ...bridge.workerPids()].filter((p): p is number => p !== undefined);
}

/**
 * `kill -9` of a whole bridge, as an OOM kill or a lost machine would: with `--workers`, every
 * worker first, then the supervisor (killing only the supervisor would let the workers drain
 * cleanly when they see it gone). Resolves once the started process has exited.
 */
export async function killBridge(bridge: BridgeProcess): Promise<void> {
  for (const pid of bridge.workerPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  bridge.child.kill('SIGKILL');
  await bridge.exited;
}

/**
 * With `--workers`: `kill -9` of worker `slot` only; resolves once the supervisor has started a new
 * process in its place (its pid logged as `worker started`).
 */
export async function killWorker(bridge: BridgeProcess, slot: number): Promise<void> {
  const victim = bridge.workerPids()[slot];
  if (victim === undefined) throw new Error(`no worker ${slot} in this bridge's log`);
  process.kill(victim, 'SIGKILL');
  await bridge.until(
    () => bridge.workerPids()[slot] !== victim || bridge.exitCode !== undefined,
    120_000,
    `worker ${slot} restarted by the supervisor`,
  );
  if (bridge.exitCode !== undefined) throw new Error(`the supervisor exited with ${bridge.exitCode}`);
}

/** Resident set size of a process in bytes (0 once it is gone). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples the RSS of whatever process(es) `pid()` names every `everyMs`, keeping the peak of any one
 * process (with `--workers`: the largest of the supervisor and each worker, see {@link bridgePids}).
 */
export class RssSampler {
  peak = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(pid: () => number | readonly number[] | undefined, everyMs = 200) {
    this.#timer = setInterval(() => {
      const pids = pid();
      for (const p of Array.isArray(pids) ? pids : [pids]) this.peak = Math.max(this.peak, rssOf(p));
    }, everyMs);
  }
  stop(): number {
    clearInterval(this.#timer);
    return this.peak;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` every `everyMs` until it holds; rejects after `timeoutMs`. */
export async function poll(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A seeded PRNG (mulberry32), so kill moments differ per run seed but a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run (`POLYBUS_FAULT_SEED`, else time-based), logged in the report. */
export const SEED = Number(process.env.POLYBUS_FAULT_SEED ?? Date.now() % 1_000_000);

export type { BridgeProcess, BrokerName, BrokerSpec, Observed };
export { BROKERS, uniqueName };
