import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One registry's metrics as `registry.getMetricsAsJSON()` gives them (what a worker sends). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * Prometheus text of the supervisor's `/metrics`: every worker's metrics (`perWorker`) plus the
 * supervisor's own (`own`), merged by prom-client's `AggregatorRegistry.aggregate`: each series is
 * combined by its metric's `aggregator` (counters, histograms and most gauges summed;
 * `polybus_connection_up` min, `polybus_route_lag_messages` max, process start time omitted, event
 * loop lag averaged). A worker that did not answer is simply absent. Pure but for prom-client.
 */
export async function aggregateMetrics(
  perWorker: readonly MetricsJson[],
  own: MetricsJson,
): Promise<{ text: string; contentType: string }> {
  const registry = AggregatorRegistry.aggregate([...perWorker, own] as MetricObjectWithValues<
    MetricValue<string>
  >[][]);
  return { text: await registry.metrics(), contentType: registry.contentType };
}
