import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { aggregateMetrics } from './aggregate-metrics.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('aggregateMetrics', () => {
  it('sums counters and histograms, takes min of connection up and max of lag', async () => {
    const workers = [createMetrics({ processMetrics: false }), createMetrics({ processMetrics: false })];
    workers[0]?.received.inc({ route: 'r' }, 3);
    workers[1]?.received.inc({ route: 'r' }, 4);
    workers[0]?.duration.observe({ route: 'r' }, 0.002);
    workers[1]?.duration.observe({ route: 'r' }, 0.002);
    workers[0]?.connectionUp.set({ connection: 'k' }, 1);
    workers[1]?.connectionUp.set({ connection: 'k' }, 0);
    workers[0]?.routeLag.set({ route: 'r' }, 10);
    workers[1]?.routeLag.set({ route: 'r' }, 12);
    const json = await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON()));
    const { text } = await aggregateMetrics(json, []);
    expect(sample(text, 'polybus_messages_received_total{route="r"}')).toBe(7);
    expect(sample(text, 'polybus_delivery_duration_seconds_count{route="r"}')).toBe(2);
    expect(sample(text, 'polybus_delivery_duration_seconds_bucket{le="0.005",route="r"}')).toBe(2);
    expect(sample(text, 'polybus_connection_up{connection="k"}')).toBe(0);
    expect(sample(text, 'polybus_route_lag_messages{route="r"}')).toBe(12);
  });
});
