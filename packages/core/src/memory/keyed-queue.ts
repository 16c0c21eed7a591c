/**
 * A FIFO queue of one consumer group that keeps order per key while messages are processed
 * concurrently: at most one entry per key is out (taken and not yet released), later entries of that
 * key wait, entries of other keys and unkeyed entries pass them. A requeued entry goes back in front
 * of its key's waiting entries, so a nack never reorders a key.
 *
 * Pure data structure (no timers, no I/O); the memory broker drives it. Not thread-safe, not shared.
 */
export interface QueueEntry<T> {
  readonly value: T;
  readonly key: string | undefined;
}

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

  /** Appends a new entry at the tail. */
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
      if (key !== undefined && (this.#out.has(key) || this.#parked.has(key))) {
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

  /** The entry is done (acked): its key may be taken again. */
  release(entry: QueueEntry<T>): void {
    this.#unlock(entry.key);
  }

  /** The entry goes back to be taken again before any later entry of its key. */
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

  #unlock(key: string | undefined): void {
    if (key === undefined || !this.#out.delete(key)) return;
    if (this.#parked.has(key)) this.#ready.push(key);
  }
}
