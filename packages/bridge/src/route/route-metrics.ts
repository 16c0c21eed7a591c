import type { BridgeMetrics } from '../metrics.js';
import type { ErrorStage } from './message-failure.js';

/** Counters of one route since the bridge started. */
export interface RouteCounters {
  received: number;
  published: number;
  filtered: number;
  deadLettered: number;
  nacked: number;
  acked: number;
  errors: number;
}

/**
 * The counts of one route, in plain numbers on the hot path, and their Prometheus series. prom-client
 * hashes the labels on every update, bound child or not, so the counters here are plain fields and
 * the Prometheus counters catch up whenever they are read (`BridgeMetrics.onCollect`): a series
 * appears with its first message. Errors and durations go to Prometheus at once (rare, or a
 * histogram). Not shared between routes.
 */
export class RouteMetrics {
  /** The counters `/routes` shows; mutate only through the methods below. */
  readonly counters: RouteCounters = {
    received: 0,
    published: 0,
    filtered: 0,
    deadLettered: 0,
    nacked: 0,
    acked: 0,
    errors: 0,
  };
  /** Messages of the route in progress (received, not yet settled or left). */
  inFlight = 0;
  readonly #metrics: BridgeMetrics;
  readonly #route: string;
  readonly #duration: ReturnType<BridgeMetrics['duration']['labels']>;
  /** Per sink (by index): messages it confirmed, and how many Prometheus has seen. */
  readonly #sinks: Array<{ confirmed: number; reported: number; child: { inc(value: number): void } }>;

  /** `sinkLabels`: `<connection>/<address>` of each `to` sink, in order (the `sink` label). */
  constructor(metrics: BridgeMetrics, route: string, sinkLabels: readonly string[]) {
    this.#metrics = metrics;
    this.#route = route;
    this.#duration = metrics.duration.labels(route);
    this.#sinks = sinkLabels.map((label) => ({
      confirmed: 0,
      reported: 0,
      child: metrics.published.labels(route, label),
    }));
    const received = metrics.received.labels(route);
    const filtered = metrics.filtered.labels(route);
    const deadLettered = metrics.deadLettered.labels(route);
    const inflight = metrics.inflight.labels(route);
    const reported = { received: 0, filtered: 0, deadLettered: 0 };
    const catchUp = (counter: { inc(value: number): void }, now: number, before: number): number => {
      if (now > before) counter.inc(now - before);
      return now;
    };
    metrics.onCollect(() => {
      const c = this.counters;
      reported.received = catchUp(received, c.received, reported.received);
      reported.filtered = catchUp(filtered, c.filtered, reported.filtered);
      reported.deadLettered = catchUp(deadLettered, c.deadLettered, reported.deadLettered);
      for (const sink of this.#sinks) sink.reported = catchUp(sink.child, sink.confirmed, sink.reported);
      if (c.received > 0) inflight.set(this.inFlight);
    });
  }

  /** A message was received from the source. */
  received(): void {
    this.counters.received++;
    this.inFlight++;
  }

  /** A received message was settled or left (always once per {@link received}). */
  done(): void {
    this.inFlight--;
  }

  /** Sink number `index` (of the `to` list) confirmed a message. */
  published(index: number): void {
    this.counters.published++;
    const sink = this.#sinks[index];
    if (sink) sink.confirmed++;
  }

  /** A message is done without a sink: the filter or every `when` dropped it. */
  filtered(): void {
    this.counters.filtered++;
  }

  /** The dead-letter target confirmed a message. */
  deadLettered(): void {
    this.counters.deadLettered++;
  }

  /** The source delivery was acked, `seconds` after it was received. */
  acked(seconds: number): void {
    this.counters.acked++;
    this.#duration.observe(seconds);
  }

  /** The source delivery was given back (nacked). */
  nacked(): void {
    this.counters.nacked++;
  }

  /** Something failed at `stage`. */
  error(stage: ErrorStage): void {
    this.counters.errors++;
    this.#metrics.errors.inc({ route: this.#route, stage });
  }

  /** A copy of the counters. */
  snapshot(): RouteCounters {
    return { ...this.counters };
  }
}
