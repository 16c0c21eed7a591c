import { DigestTable } from './digest-table.js';
import { digest16Into, type Fingerprint } from './fingerprint.js';
import {
  type FaultKind,
  type FaultSample,
  type KeyFaults,
  noFaults,
  type VerifyReport,
} from './verify-report.js';

/** Options of a {@link StreamComparison}. */
export interface ComparisonOptions {
  /** Source messages expected (sizes the table once). @defaultValue 1024 */
  expected?: number;
  /** Check the order of messages without a key too (as one sequence). @defaultValue false */
  orderWithoutKey?: boolean;
  /** Examples kept per fault kind. @defaultValue 20 */
  maxSamples?: number;
  /** Keys listed with their faults. @defaultValue 1000 */
  maxKeys?: number;
  /** Distinct key names kept for reports (beyond: `#key<n>`, n in order of first sight). @defaultValue 100000 */
  maxKeyNames?: number;
}

// Value record of a message entry (28 bytes). 64 bits of the body's sha-256 miss an alteration with
// probability 2^-64, 32 bits of the headers' with 2^-32.
const BODY = 0; // 8 bytes of the body sha-256
const HEADERS = 8; // 4 bytes of the headers sha-256
const KEY = 12; // u32 key index (0: no key)
const SEQ = 16; // u32 position among the source messages of its key
const ORDINAL = 20; // u32 position in the source
const SINK_COUNT = 24; // u16 times seen in the sink (saturating)
const FLAGS = 26; // u8: 1 headers known
const VALUE_BYTES = 28;
const BODY_BYTES = 8;
const HEADERS_BYTES = 4;
const HEADERS_KNOWN = 1;

/**
 * Compares a source with a sink in bounded memory: every source message is first added
 * ({@link addSource}) to a digest table (16-byte id digest + 28 bytes; no per-message object),
 * then every sink message is checked against it ({@link addSink}), and {@link finish} reports what
 * is missing. Order is checked per key: a sink message whose position among its key's source
 * messages is lower than one already seen is `reordered`. A duplicated id counts once per extra
 * copy; a message's body and headers are compared on its first sink copy. Memory: about 60 bytes
 * per source message plus about 35 per distinct key.
 */
export class StreamComparison {
  readonly #messages: DigestTable;
  readonly #keys: DigestTable;
  #keySourceCount = new Uint32Array(1024);
  #keySinkMax = new Int32Array(1024).fill(-1);
  readonly #keyNames: Array<string | undefined> = [undefined];
  readonly #options: Required<ComparisonOptions>;
  readonly #counts = { ...noFaults(), alteredBody: 0, alteredHeaders: 0 };
  readonly #samples: Record<FaultKind, FaultSample[]> = {
    missing: [],
    extra: [],
    duplicated: [],
    reordered: [],
    altered: [],
  };
  readonly #keyFaults = new Map<number, KeyFaults & Record<FaultKind, number>>();
  #keysTruncated = false;
  readonly #idDigest = Buffer.alloc(16);
  readonly #keyDigest = Buffer.alloc(16);
  readonly #hashScratch = Buffer.alloc(16);
  #sourceCount = 0;
  #sourceItems = 0;
  #sourceDuplicates = 0;
  #sinkCount = 0;
  #finished = false;

  constructor(options: ComparisonOptions = {}) {
    this.#options = {
      expected: options.expected ?? 1024,
      orderWithoutKey: options.orderWithoutKey ?? false,
      maxSamples: options.maxSamples ?? 20,
      maxKeys: options.maxKeys ?? 1000,
      maxKeyNames: options.maxKeyNames ?? 100_000,
    };
    this.#messages = new DigestTable(VALUE_BYTES, this.#options.expected);
    this.#keys = new DigestTable(4);
  }

  /** Adds a source message. A repeated source id counts in `source.duplicateIds`; the first copy is kept. */
  addSource(print: Fingerprint): void {
    const ordinal = this.#sourceItems++;
    const { slot, created } = this.#messages.insert(digest16Into(print.id, this.#idDigest));
    if (!created) {
      this.#sourceDuplicates++;
      return;
    }
    const keyIndex = this.#keyIndex(print.key);
    const data = this.#messages.data;
    const at = this.#messages.valueOffset(slot);
    data.write(print.bodyHash, at + BODY, BODY_BYTES, 'hex');
    if (print.headersHash !== undefined) {
      data.write(print.headersHash, at + HEADERS, HEADERS_BYTES, 'hex');
      data[at + FLAGS] = HEADERS_KNOWN;
    }
    data.writeUInt32LE(keyIndex, at + KEY);
    data.writeUInt32LE(this.#keySourceCount[keyIndex]!, at + SEQ);
    this.#keySourceCount[keyIndex]!++;
    data.writeUInt32LE(ordinal >>> 0, at + ORDINAL);
    this.#sourceCount++;
  }

  /** Checks a sink message against the source. Call after every source message was added. */
  addSink(print: Fingerprint): void {
    this.#sinkCount++;
    const slot = this.#messages.find(digest16Into(print.id, this.#idDigest));
    if (slot < 0) {
      this.#fault('extra', this.#keyIndex(print.key), {
        id: print.id,
        key: print.key,
        position: print.position,
      });
      return;
    }
    const data = this.#messages.data;
    const at = this.#messages.valueOffset(slot);
    const keyIndex = data.readUInt32LE(at + KEY);
    const seen = data.readUInt16LE(at + SINK_COUNT);
    if (seen < 0xffff) data.writeUInt16LE(seen + 1, at + SINK_COUNT);
    const sample = { id: print.id, key: this.#keyName(keyIndex), position: print.position };
    if (seen > 0) {
      this.#fault('duplicated', keyIndex, sample);
      return;
    }
    const bodyDiffers = !sameHash(data, at + BODY, print.bodyHash, BODY_BYTES, this.#hashScratch);
    const headersDiffer =
      (data[at + FLAGS]! & HEADERS_KNOWN) !== 0 &&
      print.headersHash !== undefined &&
      !sameHash(data, at + HEADERS, print.headersHash, HEADERS_BYTES, this.#hashScratch);
    if (bodyDiffers || headersDiffer) {
      if (bodyDiffers) this.#counts.alteredBody++;
      if (headersDiffer) this.#counts.alteredHeaders++;
      const detail = bodyDiffers && headersDiffer ? 'body+headers' : bodyDiffers ? 'body' : 'headers';
      this.#fault('altered', keyIndex, { ...sample, detail });
    }
    if (keyIndex !== 0 || this.#options.orderWithoutKey) {
      const seq = data.readUInt32LE(at + SEQ);
      if (seq < this.#keySinkMax[keyIndex]!) this.#fault('reordered', keyIndex, sample);
      else this.#keySinkMax[keyIndex] = seq;
    }
  }

  /**
   * Counts the source messages the sink never held and returns the report. Missing samples carry
   * the source ordinal (index among every source item read, repeated ids included) as `#<n>` (see
   * {@link isMissing} to name them by a second read). Safe to call more than once.
   */
  finish(): VerifyReport {
    if (!this.#finished) {
      this.#finished = true;
      const data = this.#messages.data;
      this.#messages.forEach((slot) => {
        const at = this.#messages.valueOffset(slot);
        if (data.readUInt16LE(at + SINK_COUNT) !== 0) return;
        const keyIndex = data.readUInt32LE(at + KEY);
        this.#fault('missing', keyIndex, {
          id: `#${data.readUInt32LE(at + ORDINAL)}`,
          key: this.#keyName(keyIndex),
        });
      });
      this.#samples.missing.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    }
    const counts = { ...this.#counts };
    const faults = counts.missing + counts.extra + counts.duplicated + counts.reordered + counts.altered;
    return {
      ok: counts.missing === 0 && counts.altered === 0,
      clean: faults === 0 && this.#sourceDuplicates === 0,
      source: { messages: this.#sourceCount, duplicateIds: this.#sourceDuplicates },
      sink: { messages: this.#sinkCount },
      counts,
      keys: [...this.#keyFaults.values()],
      keysTruncated: this.#keysTruncated,
      samples: {
        missing: [...this.#samples.missing],
        extra: [...this.#samples.extra],
        duplicated: [...this.#samples.duplicated],
        reordered: [...this.#samples.reordered],
        altered: [...this.#samples.altered],
      },
    };
  }

  /**
   * True when `id` is a source message the sink never held (meaningful after every sink message was
   * added), so a second read of the source can name the missing ones.
   */
  isMissing(id: string): boolean {
    const slot = this.#messages.find(digest16Into(id, this.#idDigest));
    return slot >= 0 && this.#messages.data.readUInt16LE(this.#messages.valueOffset(slot) + SINK_COUNT) === 0;
  }

  #fault(kind: FaultKind, keyIndex: number, sample: FaultSample): void {
    this.#counts[kind]++;
    if (this.#samples[kind].length < this.#options.maxSamples)
      this.#samples[kind].push(withoutUndefined(sample));
    let perKey = this.#keyFaults.get(keyIndex);
    if (perKey === undefined) {
      if (this.#keyFaults.size >= this.#options.maxKeys) {
        this.#keysTruncated = true;
        return;
      }
      const key = this.#keyName(keyIndex);
      perKey = { ...(key === undefined ? {} : { key }), ...noFaults() };
      this.#keyFaults.set(keyIndex, perKey);
    }
    perKey[kind]++;
  }

  #keyName(index: number): string | undefined {
    return index === 0 ? undefined : (this.#keyNames[index] ?? `#key${index}`);
  }

  /** The index of `key` (0 for no key), created on first sight. */
  #keyIndex(key: string | undefined): number {
    if (key === undefined) return 0;
    const digest = digest16Into(`k:${key}`, this.#keyDigest);
    const { slot, created } = this.#keys.insert(digest);
    const at = this.#keys.valueOffset(slot);
    if (!created) return this.#keys.data.readUInt32LE(at);
    const index = this.#keyNames.length;
    this.#keys.data.writeUInt32LE(index, at);
    const named = index <= this.#options.maxKeyNames;
    this.#keyNames.push(named ? key : undefined);
    if (index >= this.#keySourceCount.length) {
      const sourceCount = new Uint32Array(this.#keySourceCount.length * 2);
      sourceCount.set(this.#keySourceCount);
      this.#keySourceCount = sourceCount;
      const sinkMax = new Int32Array(this.#keySinkMax.length * 2).fill(-1);
      sinkMax.set(this.#keySinkMax);
      this.#keySinkMax = sinkMax;
    }
    return index;
  }
}

/** True when the first `length` bytes of the hex `hash` equal `data` at `at` (decoded into `scratch`). */
function sameHash(data: Buffer, at: number, hash: string, length: number, scratch: Buffer): boolean {
  scratch.write(hash, 0, length, 'hex');
  for (let i = 0; i < length; i++) if (data[at + i] !== scratch[i]) return false;
  return true;
}

function withoutUndefined(sample: FaultSample): FaultSample {
  return Object.fromEntries(
    Object.entries(sample).filter(([, v]) => v !== undefined),
  ) as unknown as FaultSample;
}
