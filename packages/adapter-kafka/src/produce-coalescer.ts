import { sendIsolatingMessageFaults } from '@polybus/core/adapter-kit';

/** Options of a {@link ProduceCoalescer}. */
export interface ProduceCoalescerOptions<T> {
  /**
   * Sends one group of items as one request; rejects for the whole group. Reject with a PolybusError:
   * a message fault (`isMessageFault`: too large, refused data, bad address) makes the coalescer send
   * each submission of the group again on its own, so one bad submission fails only itself.
   */
  send(items: readonly T[]): Promise<void>;
  /** Size of one item in bytes, counted against {@link maxBytes}. */
  bytes(item: T): number;
  /** Most bytes in one group, unless a single submission alone is larger (it is then sent alone). */
  maxBytes: number;
  /** Most items in one group, with the same exception. */
  maxCount: number;
}

interface Submission<T> {
  readonly items: readonly T[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces produce calls for a sender that handles one request at a time (a "group commit" of
 * produce requests, unrelated to consumer-group offset commits): while one group is being sent, the
 * submissions that arrive wait, and are sent together as one request when it returns, in the order
 * they were submitted. A submission made while nothing is in flight is sent at once, so an idle
 * sender adds no latency. Each submission's promise settles with the outcome of the request that
 * carried its items; a group that fails with a message fault is split by submission
 * (`sendIsolatingMessageFaults`, the one batch-splitting rule of polybus), any other failure rejects
 * every submission of the group. A submission is never split; a group holds whole submissions up to `maxBytes`
 * and `maxCount`. Not shared between unrelated destinations (one instance per Kafka topic).
 */
export class ProduceCoalescer<T> {
  readonly #options: ProduceCoalescerOptions<T>;
  #queue: Submission<T>[] = [];
  #sending = false;

  constructor(options: ProduceCoalescerOptions<T>) {
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
    const outcomes = await sendIsolatingMessageFaults(group, (submissions) =>
      this.#options.send(
        submissions.length === 1 ? submissions[0]!.items : submissions.flatMap((s) => s.items),
      ),
    );
    group.forEach((submission, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) submission.resolve();
      else submission.reject(outcome.error);
    });
  }
}
