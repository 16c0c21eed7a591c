import { capabilitiesOf, type Logger, type Message, MessageTooLargeError, redactText } from '@polybus/core';
import { delay, failureKind } from '@polybus/core/adapter-kit';
import { MessageFailure } from './message-failure.js';
import { nextRetryDelay, type RetryPolicy } from './retry.js';
import type { RouteTracing } from './route-tracing.js';
import type { Sink } from './sink.js';

/** What a {@link SinkPublisher} needs. */
export interface SinkPublisherOptions {
  /** Route name, for logs. */
  readonly route: string;
  readonly retry: RetryPolicy;
  /** Aborted when the route's shutdown timeout ends: retries and waits stop at once. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** How often a reconnecting sink's health is polled, in ms. @defaultValue 100 */
  readonly reconnectPollMs?: number;
  /** Spans for each publish (stage span + producer span); absent when the process does not trace. */
  readonly tracing?: RouteTracing | undefined;
}

/**
 * Publishes one message to one sink until the sink confirms it: the one place that checks a
 * message's size against the sink's `maxMessageBytes`, that waits while the sink's connection is
 * reconnecting (without spending attempts), and that retries transport failures with the route's
 * backoff. Classifies with core's `failureKind`: a message fault is never retried.
 */
export class SinkPublisher {
  readonly #options: SinkPublisherOptions;

  constructor(options: SinkPublisherOptions) {
    this.#options = options;
  }

  /**
   * Resolves with the attempts used once `sink` confirmed `message`. Rejects with a
   * {@link MessageFailure} (stage `stage`): kind `message` at once for a message fault (too large,
   * bad data...), kind `transport` once `retry.maxAttempts` attempts failed or the signal aborted.
   * A sink with `cloudEvents` gets the message encoded first (a malformed event: kind `message`).
   * Safe to call concurrently.
   */
  publish(sink: Sink, message: Message, stage: 'publish' | 'dead-letter'): Promise<number> {
    let out = message;
    if (sink.encode !== undefined) {
      try {
        out = sink.encode(message);
      } catch (error) {
        return Promise.reject(new MessageFailure(error, 'message', stage, 1));
      }
    }
    const tracing = this.#options.tracing;
    if (tracing === undefined) return this.#publish(sink, out, stage);
    return tracing.publish(sink, out, stage, (traced) => this.#publish(sink, traced, stage));
  }

  async #publish(sink: Sink, message: Message, stage: 'publish' | 'dead-letter'): Promise<number> {
    sink.maxMessageBytes ??= capabilitiesOf(sink.transport, sink.address).maxMessageBytes;
    const max = sink.maxMessageBytes;
    if (message.body.byteLength > max) {
      const error = new MessageTooLargeError(
        `message ${message.id} is ${message.body.byteLength} bytes; ${sink.label} accepts at most ${max}`,
      );
      throw new MessageFailure(error, 'message', stage, 1);
    }
    const { signal, retry } = this.#options;
    for (let attempt = 1; ; attempt++) {
      // Checked here first: awaiting the helper costs a promise per message even when the sink is up.
      if (sink.transport.health().state === 'connecting') await this.#waitWhileReconnecting(sink);
      try {
        await sink.batcher.publish(message);
        return attempt;
      } catch (error) {
        const kind = failureKind(error);
        if (kind === 'message') throw new MessageFailure(error, kind, stage, attempt);
        const wait = nextRetryDelay(attempt, retry);
        if (wait === undefined || signal.aborted) throw new MessageFailure(error, kind, stage, attempt);
        this.#options.logger.warn(
          {
            route: this.#options.route,
            sink: sink.label,
            attempt,
            retryInMs: wait,
            err: redactText(error instanceof Error ? error.message : String(error)),
          },
          'publish failed, retrying',
        );
        await delay(wait, signal);
        if (signal.aborted) throw new MessageFailure(error, kind, stage, attempt);
      }
    }
  }

  /** Waits while the sink's connection is reconnecting (the route pauses instead of burning attempts). */
  async #waitWhileReconnecting(sink: Sink): Promise<void> {
    const { signal } = this.#options;
    const poll = this.#options.reconnectPollMs ?? 100;
    while (!signal.aborted && sink.transport.health().state === 'connecting') await delay(poll, signal);
  }
}
