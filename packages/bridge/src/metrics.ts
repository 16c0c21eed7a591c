import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The bridge's Prometheus metrics, on their own registry (plus Node process metrics). */
export interface BridgeMetrics {
  readonly registry: Registry;
  readonly received: Counter<'route'>;
  readonly published: Counter<'route' | 'sink'>;
  readonly filtered: Counter<'route'>;
  readonly deadLettered: Counter<'route'>;
  readonly errors: Counter<'route' | 'stage'>;
  readonly duration: Histogram<'route'>;
  readonly inflight: Gauge<'route'>;
  readonly connectionUp: Gauge<'connection'>;
  /** Messages the route's source group has not acknowledged yet, as the broker last reported. */
  readonly routeLag: Gauge<'route'>;
  /** Messages a route dropped (and acked) because it had moved their id within its dedupe window. */
  readonly duplicatesDropped: Counter<'route'>;
  /**
   * Registers `update`, called whenever the route metrics above (received, published, filtered,
   * dead-lettered, in flight) are read (`registry.metrics()`, `metric.get()`), possibly several times
   * per read: it must bring them up to date idempotently. Lets a route count in plain numbers on its
   * hot path (prom-client hashes the labels on every update). Returns a function that unregisters it.
   */
  onCollect(update: () => void): () => void;
}

/** Creates the metrics with exactly the names the bridge documents. Call once per bridge. */
export function createMetrics(options: { processMetrics?: boolean } = {}): BridgeMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const updates = new Set<() => void>();
  const collect = (): void => {
    for (const update of updates) update();
  };
  return {
    registry,
    onCollect(update) {
      updates.add(update);
      return () => {
        updates.delete(update);
      };
    },
    received: new Counter({
      name: 'polybus_messages_received_total',
      help: 'Messages received from the route source.',
      labelNames: ['route'],
      registers,
      collect,
    }),
    published: new Counter({
      name: 'polybus_messages_published_total',
      help: 'Messages confirmed by a sink.',
      labelNames: ['route', 'sink'],
      registers,
      collect,
    }),
    filtered: new Counter({
      name: 'polybus_messages_filtered_total',
      help: 'Messages dropped by the filter or matching no sink (acked).',
      labelNames: ['route'],
      registers,
      collect,
    }),
    deadLettered: new Counter({
      name: 'polybus_messages_dead_lettered_total',
      help: 'Messages put on the dead-letter target.',
      labelNames: ['route'],
      registers,
      collect,
    }),
    errors: new Counter({
      name: 'polybus_route_errors_total',
      help: 'Failures per route and stage (filter, transform, when, publish, dead-letter, ack, nack).',
      labelNames: ['route', 'stage'],
      registers,
    }),
    duration: new Histogram({
      name: 'polybus_delivery_duration_seconds',
      help: 'Time from source receive to source ack.',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    inflight: new Gauge({
      name: 'polybus_inflight_messages',
      help: 'Messages of the route in progress.',
      labelNames: ['route'],
      registers,
      collect,
    }),
    connectionUp: new Gauge({
      name: 'polybus_connection_up',
      help: '1 when the connection is up, else 0.',
      labelNames: ['connection'],
      registers,
      // Over workers (see workers/aggregate-metrics.ts): up only when up in every worker.
      aggregator: 'min',
    }),
    routeLag: new Gauge({
      name: 'polybus_route_lag_messages',
      help: "Messages the route's source group has not acknowledged yet (from the broker).",
      labelNames: ['route'],
      registers,
      // Every worker asks the broker about the same group: the sum would count it once per worker.
      aggregator: 'max',
    }),
    duplicatesDropped: new Counter({
      name: 'polybus_route_duplicates_dropped_total',
      help: 'Messages dropped and acked because the route moved their id within its dedupe window.',
      labelNames: ['route'],
      registers,
    }),
  };
}
