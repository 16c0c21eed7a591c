import { createHash } from 'node:crypto';

/**
 * The client id of a group session: `<prefix><hash>-<memberId>-<slot>`, where `hash` is 12 hex digits
 * of SHA-256 over group and filter. Deterministic, so the same member of the same group on the same
 * filter always resumes the same broker session. Pure.
 */
export function groupClientId(
  prefix: string,
  group: string,
  filter: string,
  memberId: string,
  slot: number,
): string {
  const hash = createHash('sha256').update(group).update('\u0000').update(filter).digest('hex').slice(0, 12);
  return `${prefix}${hash}-${memberId}-${slot}`;
}

/**
 * Hands out the lowest free slot per base id within this process, so two subscriptions of one group
 * in one process get different sessions, and one opened after another closed takes the closed one's
 * session (and its unacked messages). Not shared across processes: use `memberId` for that.
 */
export class SessionSlots {
  readonly #taken = new Map<string, Set<number>>();

  /** Claims and returns the lowest free slot of `base`. */
  claim(base: string): number {
    let set = this.#taken.get(base);
    if (set === undefined) {
      set = new Set();
      this.#taken.set(base, set);
    }
    let slot = 0;
    while (set.has(slot)) slot++;
    set.add(slot);
    return slot;
  }

  /** Frees `slot` of `base`. Safe to call twice. */
  release(base: string, slot: number): void {
    const set = this.#taken.get(base);
    if (set === undefined) return;
    set.delete(slot);
    if (set.size === 0) this.#taken.delete(base);
  }
}

/** The slots of every MQTT transport in this process. */
export const processSessionSlots = new SessionSlots();
