import { type Delivery, type Logger, redactText } from '@polybus/core';
import { backoffDelay } from '@polybus/core/adapter-kit';
import { deadLetterMessage } from './dead-letter.js';
import { MessageFailure } from './message-failure.js';
import { backoffOptions, type RetryPolicy } from './retry.js';
import type { RouteMetrics } from './route-metrics.js';
import type { Sink } from './sink.js';
import type { SinkPublisher } from './sink-publisher.js';
import { type Verdict, Verdicts } from './verdict.js';

/** What a {@link FailurePolicy} needs. */
export interface FailurePolicyOptions {
  readonly route: string;
  /** `<connection>/<address>` of the source (the `x-polybus-source` header of a dead letter). */
  readonly sourceLabel: string;
  /** The dead-letter target, when the route has one. */
  readonly deadLetter: Sink | undefined;
  readonly publisher: SinkPublisher;
  readonly retry: RetryPolicy;
  /** Whether the source honours `nack({ delayMs })`; read on the first nack. */
  readonly sourceNackDelay: () => boolean;
  /** Aborted when the route's shutdown timeout ends. */
  readonly signal: AbortSignal;
  readonly metrics: RouteMetrics;
  readonly logger: Logger;
}

/**
 * Decides what becomes of a message that failed (never settles it: it returns a {@link Verdict} for
 * the route to carry out).
 *
 * - A transport failure once the route's shutdown timeout ended: `leave` (the broker redelivers it).
 * - With a dead-letter target: publish the original message there with the `x-polybus-*` headers
 *   (retried like any publish); once confirmed, `ack`.
 * - Otherwise, or when the dead-letter publish failed too: `nack` (requeue), with the route's backoff
 *   for the delivery's attempt as delay when the source supports one. A message is never dropped.
 *
 * Counts the failure (and a failed dead-letter publish) as route errors.
 */
export class FailurePolicy {
  readonly #options: FailurePolicyOptions;
  #nackDelay: boolean | undefined;

  constructor(options: FailurePolicyOptions) {
    this.#options = options;
  }

  /** The verdict for `delivery`, which failed with `failure`. Never rejects. */
  async decide(delivery: Delivery, failure: MessageFailure): Promise<Verdict> {
    const { route, deadLetter, signal, metrics, logger } = this.#options;
    if (signal.aborted && failure.kind === 'transport') return Verdicts.leave;
    metrics.error(failure.stage);
    const log = {
      route,
      messageId: delivery.message.id,
      kind: failure.kind,
      stage: failure.stage,
      attempts: failure.attempts,
      err: errorText(failure.error),
    };
    if (deadLetter && !signal.aborted) {
      const letter = deadLetterMessage(delivery.message, {
        route,
        source: this.#options.sourceLabel,
        attempts: failure.attempts,
        error: failure.error,
      });
      try {
        await this.#options.publisher.publish(deadLetter, letter, 'dead-letter');
        logger.warn(log, 'message dead-lettered');
        return Verdicts.deadLettered;
      } catch (dlqFailure) {
        metrics.error('dead-letter');
        const why = dlqFailure instanceof MessageFailure ? dlqFailure.error : dlqFailure;
        logger.error(
          { route, messageId: delivery.message.id, err: errorText(why) },
          'dead-letter publish failed; message nacked back to its source',
        );
      }
    } else {
      logger.warn(log, 'message could not be delivered; nacked back to its source');
    }
    return this.#nack(delivery.attempt);
  }

  #nack(attempt: number): Verdict {
    this.#nackDelay ??= this.#options.sourceNackDelay();
    if (!this.#nackDelay) return Verdicts.nack;
    return { action: 'nack', delayMs: backoffDelay(attempt, backoffOptions(this.#options.retry)) };
  }
}

/** An error's message, redacted (secrets never reach a log). */
export function errorText(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}
