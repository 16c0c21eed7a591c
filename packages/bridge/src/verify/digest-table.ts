/**
 * An open-addressing hash table keyed by 16-byte digests, with a fixed-size value record per entry,
 * all in one Buffer: about `(16 + valueBytes) / 0.75` bytes per entry and no object per entry, so a
 * million entries of 28 value bytes take under 60 MB where a `Map` of strings takes several times
 * that. Slots with an all-zero key are empty (a digest of 16 zero bytes is remapped to one other
 * value; with sha-256 digests the clash is practically impossible). Not thread-safe; no deletion.
 */
export class DigestTable {
  readonly #slotBytes: number;
  #capacity: number;
  #size = 0;
  #data: Buffer;

  /**
   * @param valueBytes size of the value record of each entry (zeroed when the entry is created)
   * @param expected entries expected, to size the table once (it grows by doubling past 75 % load)
   */
  constructor(valueBytes: number, expected = 1024) {
    this.#slotBytes = 16 + valueBytes;
    this.#capacity = Math.max(1024, Math.ceil(expected / MAX_LOAD));
    this.#data = Buffer.alloc(this.#capacity * this.#slotBytes);
  }

  /** Entries in the table. */
  get size(): number {
    return this.#size;
  }

  /** The buffer holding every slot (valid until the next `insert`, which may grow it). */
  get data(): Buffer {
    return this.#data;
  }

  /** Offset in {@link data} of the value record of `slot`. */
  valueOffset(slot: number): number {
    return slot * this.#slotBytes + 16;
  }

  /** The slot of `digest` (16 bytes), or -1 when absent. */
  find(digest: Uint8Array): number {
    const capacity = this.#capacity;
    for (let slot = startSlot(digest) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * this.#slotBytes;
      if (isEmpty(this.#data, at)) return -1;
      if (sameKey(this.#data, at, digest)) return slot;
    }
  }

  /** The slot of `digest`, created (value zeroed) when absent; `created` says which. */
  insert(digest: Uint8Array): { slot: number; created: boolean } {
    if (this.#size + 1 > this.#capacity * 0.7) this.#grow();
    const capacity = this.#capacity;
    for (let slot = startSlot(digest) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * this.#slotBytes;
      if (isEmpty(this.#data, at)) {
        writeKey(this.#data, at, digest);
        this.#size++;
        return { slot, created: true };
      }
      if (sameKey(this.#data, at, digest)) return { slot, created: false };
    }
  }

  /** Calls `visit` with the slot of every entry (in table order). */
  forEach(visit: (slot: number) => void): void {
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (!isEmpty(this.#data, slot * this.#slotBytes)) visit(slot);
    }
  }

  #grow(): void {
    const old = this.#data;
    const oldCapacity = this.#capacity;
    this.#capacity *= 2;
    this.#data = Buffer.alloc(this.#capacity * this.#slotBytes);
    const capacity = this.#capacity;
    for (let i = 0; i < oldCapacity; i++) {
      const from = i * this.#slotBytes;
      if (isEmpty(old, from)) continue;
      let slot = old.readUInt32LE(from) % capacity;
      while (!isEmpty(this.#data, slot * this.#slotBytes)) slot = slot + 1 === capacity ? 0 : slot + 1;
      old.copy(this.#data, slot * this.#slotBytes, from, from + this.#slotBytes);
    }
  }
}

/** Highest share of slots in use before the table grows (linear probing stays short below it). */
const MAX_LOAD = 0.75;

function startSlot(digest: Uint8Array): number {
  return (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0;
}

function isEmpty(data: Buffer, at: number): boolean {
  return data.readBigUInt64LE(at) === 0n && data.readBigUInt64LE(at + 8) === 0n;
}

function sameKey(data: Buffer, at: number, digest: Uint8Array): boolean {
  if (isZero(digest)) return data[at] === 1 && isZeroFrom(data, at + 1, 15);
  for (let i = 0; i < 16; i++) if (data[at + i] !== digest[i]) return false;
  return true;
}

function writeKey(data: Buffer, at: number, digest: Uint8Array): void {
  if (isZero(digest)) data[at] = 1;
  else data.set(digest.subarray(0, 16), at);
}

function isZero(digest: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (digest[i] !== 0) return false;
  return true;
}

function isZeroFrom(data: Buffer, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (data[at + i] !== 0) return false;
  return true;
}
