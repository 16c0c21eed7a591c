/**
 * What the route does with a source delivery, decided before anything is settled. `route.ts` is the
 * one place that carries a verdict out (acks, nacks, or leaves the delivery unsettled).
 *
 * - `ack`: the message is done. `outcome` says why: every selected sink confirmed it (`published`),
 *   the filter or every `when` dropped it (`filtered`), the dead-letter target confirmed it
 *   (`dead-lettered`), or the route already moved its id within its dedupe window (`duplicate`).
 * - `nack`: give it back to the source for redelivery (always requeued), after `delayMs` when the
 *   source supports a nack delay.
 * - `leave`: settle nothing; the route is stopping and the broker redelivers it after the shutdown.
 */
export type Verdict =
  | { readonly action: 'ack'; readonly outcome: 'published' | 'filtered' | 'dead-lettered' | 'duplicate' }
  | { readonly action: 'nack'; readonly delayMs?: number }
  | { readonly action: 'leave' };

/** Shared, frozen verdicts (the hot path allocates none). */
export const Verdicts = {
  published: Object.freeze({ action: 'ack', outcome: 'published' }),
  filtered: Object.freeze({ action: 'ack', outcome: 'filtered' }),
  deadLettered: Object.freeze({ action: 'ack', outcome: 'dead-lettered' }),
  duplicate: Object.freeze({ action: 'ack', outcome: 'duplicate' }),
  nack: Object.freeze({ action: 'nack' }),
  leave: Object.freeze({ action: 'leave' }),
} as const satisfies Record<string, Verdict>;
