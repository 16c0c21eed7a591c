import {
  type Address,
  describeAddress,
  isMessageReader,
  redactText,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { endpointAddress } from '../config/endpoint.js';
import { loadConfig } from '../config/load-config.js';
import type { BridgeConfig, RouteConfig } from '../config/schema.js';
import { readLedger } from '../verify/ledger.js';
import { formatReport } from '../verify/report-text.js';
import { type VerifySource, verifyStreams } from '../verify/verify-streams.js';
import { CliExit, type CliIo, ExitCode, fail } from './cli-io.js';

/** Exit codes of `polybus verify`. */
export const VerifyExit = {
  /** The sink holds every source message unaltered (with `--strict`: and nothing else is off). */
  ok: 0,
  /** Messages missing or altered (with `--strict`: also duplicated, reordered or extra). */
  differs: 1,
  /** Bad config or usage, or a route that cannot be verified (source and ledger, or sink, unreadable). */
  invalid: 2,
  /** A broker or the ledger could not be read. */
  unreadable: 3,
} as const;

/** Options of `polybus verify`. */
export interface VerifyCommandOptions {
  readonly config: string;
  readonly route: string;
  /** Index of the sink in the route's `to` list. @defaultValue '0' */
  readonly sink?: string;
  /** Where the source messages come from: the broker, the route's ledger, or `auto` (broker when it can be read). */
  readonly from?: 'auto' | 'broker' | 'ledger';
  readonly json?: boolean;
  readonly strict?: boolean;
  /** Compare headers (commander's `--no-headers` sets false). @defaultValue true */
  readonly headers?: boolean;
  readonly orderWithoutKey?: boolean;
  readonly samples?: string;
}

function usage(io: CliIo, text: string): never {
  io.stderr.write(`polybus verify: ${text}\n`);
  throw new CliExit(VerifyExit.invalid);
}

function routeOf(io: CliIo, config: BridgeConfig, name: string): RouteConfig {
  const route = config.routes.find((r) => r.name === name);
  if (!route) usage(io, `no route "${name}" (routes: ${config.routes.map((r) => r.name).join(', ')})`);
  return route;
}

/**
 * `polybus verify -c polybus.yaml --route R`: reads the route's source (from the broker where it
 * can be read without consuming it: Kafka, Redis Streams, JetStream; else from the route's ledger)
 * and its sink, and prints what the sink is missing, has duplicated, reordered, altered or extra.
 * Consumes nothing. Resolves with a {@link VerifyExit} code.
 */
export async function verifyCommand(io: CliIo, opts: VerifyCommandOptions): Promise<number> {
  let config: BridgeConfig;
  try {
    ({ config } = await loadConfig(opts.config, { registry: loadBridgeRegistry }));
  } catch (error) {
    try {
      fail(io, error);
    } catch (exit) {
      if (exit instanceof CliExit && exit.code === ExitCode.fatal) throw new CliExit(VerifyExit.unreadable);
      throw exit;
    }
  }
  const route = routeOf(io, config, opts.route);
  const sinkIndex = Number(opts.sink ?? '0');
  const sinkEndpoint = route.to[sinkIndex];
  if (!Number.isInteger(sinkIndex) || !sinkEndpoint)
    usage(io, `--sink must be a sink index of route ${route.name} (0..${route.to.length - 1})`);
  const samples = Number(opts.samples ?? '20');
  if (!Number.isInteger(samples) || samples < 1) usage(io, '--samples must be a positive integer');
  const from = opts.from ?? 'auto';

  const registry = await loadBridgeRegistry(
    Object.values(config.connections).map((c) => c.url.split(':')[0] ?? ''),
  );
  const opened: Transport[] = [];
  const transportOf = (name: string): Transport => {
    const connection = config.connections[name];
    if (!connection) usage(io, `unknown connection ${name}`);
    const transport = registry.createTransport(connection.url, connection.options, { logger: silentLogger });
    opened.push(transport);
    return transport;
  };
  try {
    const source = transportOf(route.from.connection);
    const sink = transportOf(sinkEndpoint.connection);
    const sourceAddress = endpointAddress(route.from);
    const sinkAddress: Address = endpointAddress(sinkEndpoint);
    if (!isMessageReader(sink))
      usage(io, `the sink ${sinkEndpoint.connection} (${sink.scheme}) cannot be read without consuming it`);
    const readable = isMessageReader(source);
    const useLedger = from === 'ledger' || (from === 'auto' && !readable);
    if (useLedger && route.ledger === undefined)
      usage(
        io,
        `route ${route.name}: the source ${route.from.connection} (${source.scheme}) cannot be read again and the route has no ledger; add "ledger: { path: ... }" to the route before it moves the messages`,
      );
    if (route.filter !== undefined || route.transform !== undefined || sinkEndpoint.when !== undefined)
      io.stderr.write(
        `polybus verify: warning: route ${route.name} filters or transforms: the sink is not expected to hold the source unchanged\n`,
      );
    await sink.connect();
    let sourceStream: VerifySource;
    if (useLedger) {
      const path = route.ledger?.path as string;
      sourceStream = () => readLedger(path);
    } else {
      if (!isMessageReader(source))
        usage(
          io,
          `the source ${route.from.connection} (${source.scheme}) cannot be read without consuming it`,
        );
      await source.connect();
      sourceStream = () => source.read(sourceAddress);
    }
    const report = await verifyStreams(sourceStream, sink.read(sinkAddress), {
      maxSamples: samples,
      ...(opts.headers === false ? { headers: () => false } : {}),
      ...(opts.orderWithoutKey ? { orderWithoutKey: true } : {}),
    });
    const heading = {
      route: route.name,
      source: `${route.from.connection}/${describeAddress(sourceAddress)}`,
      sourceMode: useLedger ? ('ledger' as const) : ('broker' as const),
      sink: `${sinkEndpoint.connection}/${describeAddress(sinkAddress)}`,
    };
    if (opts.json) io.stdout.write(`${JSON.stringify({ ...heading, ...report })}\n`);
    else io.stdout.write(formatReport(report, heading, { strict: opts.strict ?? false }));
    const passed = report.ok && (!opts.strict || report.clean);
    return passed ? VerifyExit.ok : VerifyExit.differs;
  } catch (error) {
    if (error instanceof CliExit) throw error;
    io.stderr.write(
      `polybus verify: ${redactText(error instanceof Error ? error.message : String(error))}\n`,
    );
    return VerifyExit.unreadable;
  } finally {
    await Promise.all(opened.map((t) => t.close({ timeoutMs: 1000 }).catch(() => undefined)));
  }
}
