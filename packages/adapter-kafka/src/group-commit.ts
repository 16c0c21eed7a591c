/** Options of a {@link GroupCommit}. */
export interface GroupCommitOptions<T> {
  /** Sends one group of items as one request; rejects for the whole group. */
  send(items: readonly T[]): Promise<void>;
  /** Size of one item in bytes, counted against {@link maxBytes}. */
  bytes(item: T): number;
  /** Most bytes in one group, unless a single submission alone is larger (it is then sent alone). */
  maxBytes: number;
  /** Most items in one group, with the same exception. */
  maxCount: number;
  /**
   * Whether a failure of a group of several submissions may belong to one of them only (a data error
   * rather than a lost connection): each submission is then sent again on its own, in order, and
   * settles with its own outcome. Without it, or when it returns false, every submission of the group
   * rejects with the group's error.
   */
  isolate?(error: unknown): boolean;
}

interface Submission<T> {
  readonly items: readonly T[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for a sender that handles one request at a time: while one group is being sent, the
 * submissions that arrive wait, and are sent together as one request when it returns, in the order
 * they were submitted. A submission made while nothing is in flight is sent at once, so an idle
 * sender adds no latency. Each submission's promise settles with the outcome of the request that
 * carried its items. A submission is never split; a group holds whole submissions up to `maxBytes`
 * and `maxCount`. Not shared between unrelated destinations (one instance per Kafka topic).
 */
export class GroupCommit<T> {
  readonly #options: GroupCommitOptions<T>;
  #queue: Submission<T>[] = [];
  #sending = false;

  constructor(options: GroupCommitOptions<T>) {
    this.#options = options;
  }

  /** Submissions waiting for the group in flight to return. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Sends `items` with the next group (at once when idle); resolves when the request carrying them
   * succeeded, rejects with its error otherwise. An empty submission resolves at once.
   */
  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const item of items) bytes += this.#options.bytes(item);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ items, bytes, resolve, reject });
      if (!this.#sending) void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) await this.#sendGroup(this.#takeGroup());
    } finally {
      this.#sending = false;
    }
  }

  /** The longest prefix of the queue that fits the bounds (at least one submission). */
  #takeGroup(): Submission<T>[] {
    const { maxBytes, maxCount } = this.#options;
    let taken = 1;
    let count = this.#queue[0]?.items.length ?? 0;
    let bytes = this.#queue[0]?.bytes ?? 0;
    for (; taken < this.#queue.length; taken++) {
      const next = this.#queue[taken] as Submission<T>;
      if (count + next.items.length > maxCount || bytes + next.bytes > maxBytes) break;
      count += next.items.length;
      bytes += next.bytes;
    }
    return this.#queue.splice(0, taken);
  }

  async #sendGroup(group: Submission<T>[]): Promise<void> {
    const items = group.length === 1 ? (group[0] as Submission<T>).items : group.flatMap((s) => s.items);
    try {
      await this.#options.send(items);
    } catch (error) {
      if (group.length > 1 && this.#options.isolate?.(error)) {
        for (const submission of group) await this.#sendAlone(submission);
      } else {
        for (const submission of group) submission.reject(error);
      }
      return;
    }
    for (const submission of group) submission.resolve();
  }

  async #sendAlone(submission: Submission<T>): Promise<void> {
    try {
      await this.#options.send(submission.items);
      submission.resolve();
    } catch (error) {
      submission.reject(error);
    }
  }
}
