/**
 * One entry of a {@link KeyedQueue}: the queued value and the key it is ordered by (`undefined`: no
 * order with any other entry). Hand the same object back to {@link KeyedQueue.release} or
 * {@link KeyedQueue.requeue}.
 */
export interface QueueEntry<T> {
  readonly value: T;
  readonly key: string | undefined;
}

/** A growable FIFO with O(1) amortised shift and push-front. */
class Deque<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  pushFront(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/**
 * A FIFO queue that keeps order per key while its entries are processed concurrently: at most one
 * entry per key is *out* (taken and not yet released or requeued); later entries of that key wait,
 * while entries of other keys and unkeyed entries pass them. A requeued entry goes back in front of its
 * key's waiting entries (an unkeyed one to the head of the queue), so a nack never reorders a key.
 *
 * Pure data structure: synchronous, no timers, no I/O, never throws. Not shared between consumers;
 * not safe to drive from two places at once. Used by the memory broker (one per consumer group) and
 * by adapters that dispatch one broker stream concurrently per key (Kafka: one per partition).
 */
export class KeyedQueue<T> {
  readonly #main = new Deque<QueueEntry<T>>();
  /** Entries whose key was out when they reached the head, per key, in order. */
  readonly #parked = new Map<string, Deque<QueueEntry<T>>>();
  /** Keys that are no longer out and have parked entries: served before the main queue. */
  readonly #ready: string[] = [];
  /** Keys currently out. */
  readonly #out = new Set<string>();
  #size = 0;

  /** Entries waiting to be taken (not counting those out). */
  get size(): number {
    return this.#size;
  }

  /** Appends a new entry at the tail and returns it. */
  push(value: T, key: string | undefined): QueueEntry<T> {
    const entry = { value, key };
    this.#main.push(entry);
    this.#size++;
    return entry;
  }

  /**
   * Takes the oldest entry whose key is not out and marks its key out, or returns undefined when every
   * waiting entry belongs to a key that is out (or nothing waits).
   */
  take(): QueueEntry<T> | undefined {
    while (this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      const parked = this.#parked.get(key);
      const entry = parked?.shift();
      if (!entry) {
        this.#parked.delete(key);
        continue;
      }
      if (parked?.length === 0) this.#parked.delete(key);
      this.#out.add(key);
      this.#size--;
      return entry;
    }
    for (let entry = this.#main.shift(); entry !== undefined; entry = this.#main.shift()) {
      const { key } = entry;
      // #parked.size first: nothing is parked most of the time, and a Map lookup hashes the key.
      if (key !== undefined && (this.#out.has(key) || (this.#parked.size > 0 && this.#parked.has(key)))) {
        let parked = this.#parked.get(key);
        if (!parked) {
          parked = new Deque();
          this.#parked.set(key, parked);
        }
        parked.push(entry);
        continue;
      }
      if (key !== undefined) this.#out.add(key);
      this.#size--;
      return entry;
    }
    return undefined;
  }

  /**
   * The entry is done (acked): its key may be taken again. Call once per taken entry; releasing an
   * entry whose key is not out (already released, or dropped by {@link clear}) does nothing.
   */
  release(entry: QueueEntry<T>): void {
    this.#unlock(entry.key);
  }

  /**
   * The taken entry goes back to be taken again before any later entry of its key, and its key is no
   * longer out. For an entry that was taken and not released; a delayed retry keeps the entry (and so
   * its key) out until the delay ends, then requeues it.
   */
  requeue(entry: QueueEntry<T>): void {
    this.#size++;
    if (entry.key === undefined) {
      this.#main.pushFront(entry);
      return;
    }
    let parked = this.#parked.get(entry.key);
    if (!parked) {
      parked = new Deque();
      this.#parked.set(entry.key, parked);
    }
    parked.pushFront(entry);
    this.#unlock(entry.key);
  }

  /**
   * Drops every waiting entry (the source will deliver them again). Keys that are out stay out until
   * their entry is released or requeued, so an entry still being processed keeps holding back its key.
   */
  clear(): void {
    this.#main.clear();
    this.#parked.clear();
    this.#ready.length = 0;
    this.#size = 0;
  }

  #unlock(key: string | undefined): void {
    if (key === undefined || !this.#out.delete(key)) return;
    if (this.#parked.size > 0 && this.#parked.has(key)) this.#ready.push(key);
  }
}
