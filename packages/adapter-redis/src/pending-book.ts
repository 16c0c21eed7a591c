/**
 * What one group subscription holds of its consumer's pending entries: entries handed to the handler
 * and not settled ("held"), and nacked entries waiting for their redelivery time ("waiting"). Both
 * stay in Redis's pending list meanwhile; the book decides when a waiting entry is claimed back and
 * which ids the lease heartbeat refreshes. Pure: time is passed in. Not shared between subscriptions.
 */
export class PendingBook {
  readonly #held = new Set<string>();
  /** id -> due time (ms). */
  readonly #waiting = new Map<string, number>();

  /** Marks `id` as handed to the handler. */
  hold(id: string): void {
    this.#waiting.delete(id);
    this.#held.add(id);
  }

  /** Forgets `id` (acked, dropped, or no longer pending). */
  release(id: string): void {
    this.#held.delete(id);
    this.#waiting.delete(id);
  }

  /** Moves a held `id` to the waiting list, due at `dueAt`. */
  retryAt(id: string, dueAt: number): void {
    this.#held.delete(id);
    this.#waiting.set(id, dueAt);
  }

  /** True when `id` is held or waiting (this subscription owns it: do not deliver it twice). */
  owns(id: string): boolean {
    return this.#held.has(id) || this.#waiting.has(id);
  }

  /**
   * Removes and returns up to `max` waiting ids due at `now`, earliest first. They are neither held
   * nor waiting afterwards: the caller claims them and {@link hold}s what it delivers.
   */
  takeDue(now: number, max: number): string[] {
    const due = [...this.#waiting].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    const taken = due.slice(0, Math.max(0, max)).map(([id]) => id);
    for (const id of taken) this.#waiting.delete(id);
    return taken;
  }

  /** Earliest due time of a waiting id, or `undefined` when none waits. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const at of this.#waiting.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  /** Every id held or waiting (for the lease heartbeat). */
  ownedIds(): string[] {
    return [...this.#held, ...this.#waiting.keys()];
  }

  /** Number of held ids. */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Number of waiting ids. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** Forgets everything (the group vanished). */
  clear(): void {
    this.#held.clear();
    this.#waiting.clear();
  }
}
