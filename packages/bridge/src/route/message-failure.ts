import type { FailureKind } from '@polybus/core/adapter-kit';

/** Where in a route a message failed (the `stage` label of `polybus_route_errors_total`). */
export type Stage = 'decode' | 'filter' | 'transform' | 'when' | 'publish' | 'dead-letter';

/** A stage, or settling the source delivery: every value the route's error counter is labelled with. */
export type ErrorStage = Stage | 'ack' | 'nack' | 'ledger';

/**
 * A failure that decides the fate of one message: the error, whose fault it is (core's
 * `failureKind`: `message` is dead-lettered, `transport` was retried and may be nacked back), the
 * stage it happened in and the publish attempts made (1 for anything but a retried publish).
 * Immutable data.
 */
export class MessageFailure {
  constructor(
    readonly error: unknown,
    readonly kind: FailureKind,
    readonly stage: Stage,
    readonly attempts: number,
  ) {}
}
