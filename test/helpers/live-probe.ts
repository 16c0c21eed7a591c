import type { BridgeProcess } from './bridge-process.js';

/** What a {@link LiveProbe} saw. */
export interface LiveProbeResult {
  /** Probes sent. */
  readonly polls: number;
  /** Probes not answered 200 within the probe timeout (refused, timed out, other status). */
  readonly failures: number;
  /** Slowest answer as timed by this (test) process, in ms: reported, not asserted (it counts the prober's delays too). */
  readonly maxWallMs: number;
  /** Longest event-loop delay the bridge measured in itself (`eventLoopDelay.maxMs` of `/health/live`), in ms. */
  readonly eventLoopDelayMaxMs: number;
  /** One line for the test output: polls, failures, both maxima. */
  readonly summary: string;
}

/**
 * Polls a bridge's `/health/live` every `intervalMs` until {@link stop}: counts the probes and those not
 * answered 200 within `timeoutMs`, keeps the slowest wall-clock answer, and the bridge's own event-loop
 * delay maximum. "The event loop is never blocked" is asserted on `eventLoopDelayMaxMs` (measured inside
 * the bridge) and `failures`, not on the wall-clock time, which on a loaded machine also counts the test
 * process's own delays and the OS scheduling both.
 */
export class LiveProbe {
  #polls = 0;
  #failures = 0;
  #maxWallMs = 0;
  #eventLoopDelayMaxMs = 0;
  #polling = true;
  readonly #loop: Promise<void>;

  /** Starts polling at once. */
  constructor(
    private readonly bridge: BridgeProcess,
    private readonly options: { intervalMs: number; timeoutMs?: number } = { intervalMs: 25 },
  ) {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#polling) {
      await this.#probe();
      await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
    }
  }

  async #probe(): Promise<void> {
    const started = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${this.bridge.port}/health/live`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const body = (await response.json()) as { eventLoopDelay?: { maxMs?: number } };
      if (response.status !== 200) this.#failures++;
      this.#eventLoopDelayMaxMs = Math.max(
        this.#eventLoopDelayMaxMs,
        body.eventLoopDelay?.maxMs ?? Number.NaN,
      );
    } catch {
      this.#failures++;
    }
    this.#maxWallMs = Math.max(this.#maxWallMs, performance.now() - started);
    this.#polls++;
  }

  /** Stops polling, sends one last probe (so the maximum covers the whole run) and resolves with what was seen. */
  async stop(): Promise<LiveProbeResult> {
    this.#polling = false;
    await this.#loop;
    await this.#probe();
    const polls = this.#polls;
    const failures = this.#failures;
    const maxWallMs = Math.round(this.#maxWallMs);
    const eventLoopDelayMaxMs = this.#eventLoopDelayMaxMs;
    return {
      polls,
      failures,
      maxWallMs,
      eventLoopDelayMaxMs,
      summary: `/health/live ${polls} polls, ${failures} unanswered, max ${maxWallMs} ms wall-clock, event-loop delay max ${eventLoopDelayMaxMs} ms`,
    };
  }
}
