import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** What {@link EventLoopDelay.read} reports; `/health/live` serves it as `eventLoopDelay`. */
export interface EventLoopDelayReading {
  /** Longest time the event loop was held up (a callback ran late by this much), in ms. */
  readonly maxMs: number;
  /** 99th percentile of the delays sampled, in ms. */
  readonly p99Ms: number;
  /** How long the delays have been sampled (since the HTTP server started), in ms. */
  readonly sinceMs: number;
}

/**
 * Samples the event loop's delay (`perf_hooks.monitorEventLoopDelay`, every `resolutionMs`) from
 * construction until {@link stop}, never reset: every reader sees the same, growing maximum. This is
 * what "the event loop is never blocked" means, measured inside the process, so unlike the wall-clock
 * time of an HTTP probe it does not count the prober's own delays. On a starved machine it still
 * includes the time the OS did not schedule the process. Measuring starts at the first sample, one
 * `resolutionMs` after construction: a block that began before it is not seen.
 */
export class EventLoopDelay {
  readonly #histogram: IntervalHistogram;
  readonly #startedAt = performance.now();

  /** Starts sampling at once. */
  constructor(resolutionMs = 10) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
  }

  /** The delays sampled so far (0 before the first sample), rounded to 0.1 ms. Cheap; never throws. */
  read(): EventLoopDelayReading {
    const h = this.#histogram;
    const ms = (ns: number): number => (h.count === 0 ? 0 : Math.round(ns / 1e5) / 10);
    return {
      maxMs: ms(h.max),
      p99Ms: ms(h.percentile(99)),
      sinceMs: Math.round(performance.now() - this.#startedAt),
    };
  }

  /** Stops sampling; {@link read} keeps answering with what was sampled. Safe to call twice. */
  stop(): void {
    this.#histogram.disable();
  }
}
