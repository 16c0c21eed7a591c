import {
  type Address,
  type Delivery,
  isDrained,
  isLagReporter,
  type Logger,
  redactText,
  type Transport,
} from '@polybus/core';
import type { RouteConfig } from '../config/schema.js';
import type { BridgeMetrics } from '../metrics.js';
import { LagMonitor, type LagSnapshot } from './lag-monitor.js';

/** The last message a route moved: acked after every sink confirmed. */
export interface LastMoved {
  readonly id: string;
  readonly key?: string;
  /** Where it sat on the source: `"<partition>:<offset>"` (Kafka), the stream entry id, the JetStream sequence. */
  readonly position?: string;
  /** When it was acked (ISO 8601). */
  readonly at: string;
}

/** The source position of a delivery, where the adapter says it. Pure. */
export function positionOf(delivery: Delivery): string | undefined {
  const s = delivery.source;
  if (s.offset !== undefined) return s.partition === undefined ? s.offset : `${s.partition}:${s.offset}`;
  if (s.streamId !== undefined) return s.streamId;
  if (s.deliveryTag !== undefined) return String(s.deliveryTag);
  return undefined;
}

/** {@link LastMoved} of `delivery`, acked at `ackedAt` (epoch ms). Pure. */
export function lastMovedOf(delivery: Delivery, ackedAt: number): LastMoved {
  const position = positionOf(delivery);
  const key = delivery.message.key;
  return {
    id: delivery.message.id,
    ...(key === undefined ? {} : { key }),
    ...(position === undefined ? {} : { position }),
    at: new Date(ackedAt).toISOString(),
  };
}

/**
 * The lag monitor of a route, or undefined when the source broker reports no lag (or the route has
 * no group and the address does not name its own consumer: then the adapter rejects, which the
 * monitor logs at debug). Sets `polybus_route_lag_messages{route}` on every answer. Does no I/O
 * until `start()`.
 */
export function createLagMonitor(
  source: Transport,
  address: Address,
  config: RouteConfig,
  metrics: BridgeMetrics,
  logger: Logger,
): LagMonitor | undefined {
  if (!isLagReporter(source)) return undefined;
  const group = config.from.group;
  return new LagMonitor({
    intervalMs: config.lag.interval,
    query: () => source.lag(address, group),
    onReport: (report) => metrics.routeLag.set({ route: config.name }, report.total),
    onError: (error) =>
      logger.debug(
        { route: config.name, err: redactText(String(error)) },
        'lag query failed; keeping the last value',
      ),
  });
}

/** The `lag` and `drained` fields of a route's status. Pure. */
export function lagStatus(
  monitor: LagMonitor | undefined,
  localInFlight: number,
): { lag?: LagSnapshot; drained?: boolean } {
  const report = monitor?.report;
  const snapshot = monitor?.snapshot();
  if (!report || !snapshot) return {};
  return { lag: snapshot, drained: !snapshot.stale && isDrained(report, localInFlight) };
}
