import { hash } from 'node:crypto';
import { ConfigError } from '@polybus/core';

/** Options of a {@link DedupeWindow}. */
export interface DedupeWindowOptions {
  /** How long an id is remembered after it was added, in ms. */
  readonly windowMs: number;
  /** Most ids remembered; adding one more forgets the oldest. */
  readonly maxIds: number;
  /** The clock (ms). @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * The ids seen recently, bounded by time and by count: {@link has} is true for an id added less than
 * `windowMs` ago and not pushed out by `maxIds` newer ones. Throws ConfigError for a window or count that bounds nothing. Pure data structure (no I/O, no timers:
 * expired ids are dropped when the window is used).
 *
 * Memory: ids are kept as a 96-bit digest (16 base64 characters) with their time in one insertion-
 * ordered Map, about 100 bytes per id whatever the id's length: `maxIds` 100,000 is about 10 MB. Two
 * different ids share a digest with probability about n²/2^97 (1e-19 for 100,000 ids).
 */
export class DedupeWindow {
  readonly #windowMs: number;
  readonly #maxIds: number;
  readonly #now: () => number;
  /** digest -> time added; Map iteration order is insertion order, so the oldest comes first. */
  readonly #ids = new Map<string, number>();

  constructor(options: DedupeWindowOptions) {
    if (!(options.windowMs > 0) || !(options.maxIds >= 1))
      throw new ConfigError('DedupeWindow needs windowMs > 0 and maxIds >= 1');
    this.#windowMs = options.windowMs;
    this.#maxIds = Math.floor(options.maxIds);
    this.#now = options.now ?? Date.now;
  }

  /** Ids remembered now (after dropping the expired ones). */
  get size(): number {
    this.#expire(this.#now());
    return this.#ids.size;
  }

  /** True when `id` was added within the window and not pushed out since. */
  has(id: string): boolean {
    this.#expire(this.#now());
    return this.#ids.has(digestOf(id));
  }

  /**
   * Remembers `id` from now on (for `windowMs`); adding an id already present renews it. Forgets the
   * oldest ids beyond `maxIds`.
   */
  add(id: string): void {
    const now = this.#now();
    const digest = digestOf(id);
    this.#ids.delete(digest);
    this.#ids.set(digest, now);
    while (this.#ids.size > this.#maxIds) this.#dropOldest();
    this.#expire(now);
  }

  #expire(now: number): void {
    const oldest = now - this.#windowMs;
    for (const [digest, at] of this.#ids) {
      if (at > oldest) return;
      this.#ids.delete(digest);
    }
  }

  #dropOldest(): void {
    for (const digest of this.#ids.keys()) {
      this.#ids.delete(digest);
      return;
    }
  }
}

function digestOf(id: string): string {
  return hash('sha256', id, 'base64').slice(0, 16);
}
