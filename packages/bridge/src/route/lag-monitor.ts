import type { LagReport } from '@polybus/core';

/** The last lag a route's monitor saw, as `/routes` shows it. */
export interface LagSnapshot {
  /** Messages the group has not acknowledged yet (see `LagReport.total`). */
  readonly total: number;
  readonly waiting?: number;
  readonly inFlight?: number;
  readonly exact: boolean;
  readonly groupExists: boolean;
  /** When the broker answered (ISO 8601). */
  readonly updatedAt: string;
  /** True when the last query failed: the numbers are those of the last answer. */
  readonly stale: boolean;
}

/** Options of {@link LagMonitor}. */
export interface LagMonitorOptions {
  /** Asks the broker (e.g. `transport.lag(address, group)`). */
  readonly query: () => Promise<LagReport>;
  /** Time between the end of a query and the start of the next (ms). */
  readonly intervalMs: number;
  /** Called with every answer (e.g. to set the gauge). */
  readonly onReport?: (report: LagReport) => void;
  /** Called with every failed query (log at debug: the broker may simply be down). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Polls a route's lag: one query at a time (the next is scheduled when the previous settles), the
 * first right at {@link start}. A failed query keeps the last answer and marks it `stale`. The timer
 * is unref'd (it never keeps the process alive). {@link stop} is safe to call twice; an answer
 * arriving after it is dropped.
 */
export class LagMonitor {
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #last: LagReport | undefined;
  #stale = false;
  #inFlight: Promise<void> | undefined;

  constructor(private readonly options: LagMonitorOptions) {}

  /** Starts polling (no-op when already running). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.poll();
  }

  /** Asks once now, unless a query is already in flight (then waits for that one). Never rejects. */
  poll(): Promise<void> {
    this.#inFlight ??= this.#ask().finally(() => {
      this.#inFlight = undefined;
      if (!this.#stopped) {
        this.#timer = setTimeout(() => void this.poll(), this.options.intervalMs);
        this.#timer.unref();
      }
    });
    return this.#inFlight;
  }

  async #ask(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      const report = await this.options.query();
      if (this.#stopped) return;
      this.#last = report;
      this.#stale = false;
      this.options.onReport?.(report);
    } catch (error) {
      this.#stale = true;
      this.options.onError?.(error);
    }
  }

  /** The last answer, or undefined before the first one. */
  get report(): LagReport | undefined {
    return this.#last;
  }

  /** The last answer as `/routes` shows it, or undefined before the first one. */
  snapshot(): LagSnapshot | undefined {
    const r = this.#last;
    if (!r) return undefined;
    return {
      total: r.total,
      ...(r.waiting === undefined ? {} : { waiting: r.waiting }),
      ...(r.inFlight === undefined ? {} : { inFlight: r.inFlight }),
      exact: r.exact,
      groupExists: r.groupExists,
      updatedAt: new Date(r.at).toISOString(),
      stale: this.#stale,
    };
  }

  /** Stops polling. Safe to call twice. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
