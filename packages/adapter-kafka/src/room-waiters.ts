/**
 * The fetch batches waiting for room in their partition's buffer, at most one per partition (kafkajs
 * runs one batch per partition at a time). {@link wait} parks a batch; a wake resolves it, and the
 * batch re-checks why it was woken (room, a timeout, close or a rebalance). No timers, no I/O.
 */
export class RoomWaiters {
  readonly #waiters = new Map<number, () => void>();

  /** Batches waiting. */
  get size(): number {
    return this.#waiters.size;
  }

  /** Resolves at the next wake of `partition` (replacing an earlier waiter of it, which stays pending). */
  wait(partition: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.set(partition, () => {
        this.#waiters.delete(partition);
        resolve();
      });
    });
  }

  /** Wakes the batch of `partition`, if one waits. */
  wake(partition: number): void {
    this.#waiters.get(partition)?.();
  }

  /** Wakes every waiting batch whose partition passes `ready` (all of them without `ready`). */
  wakeWhere(ready?: (partition: number) => boolean): void {
    for (const [partition, wake] of this.#waiters) {
      if (ready === undefined || ready(partition)) wake();
    }
  }
}
