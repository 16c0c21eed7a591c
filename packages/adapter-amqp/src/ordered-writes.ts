/**
 * One write job, run in steps: returns `undefined` once it has written everything it will write,
 * or a promise (never rejecting) after which it is called again to go on (backpressure, a channel
 * being opened, an exchange being checked).
 */
export type WriteStep = () => Promise<void> | undefined;

/**
 * Runs write jobs one after the other in submission order, so messages of successive publish calls
 * reach the wire in call order even when one of them has to wait (for 'drain', for a channel): jobs
 * submitted meanwhile queue behind it. A job submitted while nothing is queued runs synchronously
 * inside {@link submit} (no promise, no extra event-loop turn on the fast path). Pure sequencing: no
 * I/O of its own.
 */
export class OrderedWrites {
  readonly #queue: WriteStep[] = [];
  #running = false;

  /** Jobs not finished yet (the running one included). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues `job`; runs it at once when the queue is idle. Never throws unless `job` throws. */
  submit(job: WriteStep): void {
    this.#queue.push(job);
    if (!this.#running) this.#run();
  }

  #run(): void {
    this.#running = true;
    for (;;) {
      const job = this.#queue[0];
      if (job === undefined) {
        this.#running = false;
        return;
      }
      const wait = job();
      if (wait !== undefined) {
        // Stays `running` while waiting: later submits queue behind this job.
        void wait.then(() => this.#run());
        return;
      }
      this.#queue.shift();
    }
  }
}
