import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { RouteMetrics } from './route-metrics.js';

describe('RouteMetrics', () => {
  it('counts in plain numbers and brings Prometheus up to date on every read, idempotently', async () => {
    const bridge = createMetrics({ processMetrics: false });
    const metrics = new RouteMetrics(bridge, 'r', ['a/x', 'b/y']);
    expect(await bridge.registry.metrics()).not.toMatch(/route="r"/);
    metrics.received();
    metrics.received();
    metrics.published(1);
    metrics.filtered();
    metrics.deadLettered();
    metrics.acked(0.01);
    metrics.nacked();
    metrics.error('publish');
    metrics.done();
    const text = await bridge.registry.metrics();
    expect(await bridge.registry.metrics()).toBe(text);
    expect(text).toContain('polybus_messages_received_total{route="r"} 2');
    expect(text).toContain('polybus_messages_published_total{route="r",sink="b/y"} 1');
    expect(text).not.toContain('sink="a/x"');
    expect(text).toContain('polybus_messages_filtered_total{route="r"} 1');
    expect(text).toContain('polybus_messages_dead_lettered_total{route="r"} 1');
    expect(text).toContain('polybus_inflight_messages{route="r"} 1');
    expect(text).toContain('polybus_route_errors_total{route="r",stage="publish"} 1');
    expect(text).toContain('polybus_delivery_duration_seconds_count{route="r"} 1');
    expect(metrics.snapshot()).toEqual({
      received: 2,
      published: 1,
      filtered: 1,
      deadLettered: 1,
      nacked: 1,
      acked: 1,
      errors: 1,
    });
  });
});
