import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { DataError, type Message } from '@polybus/core';
import { bodyHash, type Fingerprint, type HeaderFilter, headersHash } from './fingerprint.js';

/**
 * The ledger format, version 1: JSON Lines. The first line is `{"polybus-ledger":1,...}` (with the
 * route name and creation time); each further line is one message a route moved:
 * `{"id":"…","key":"…"?,"body":"<sha-256 hex>","headers":"<sha-256 hex>","pos":"…"?,"at":<ms>}`.
 * `headers` hashes the headers the default filter keeps (see {@link headersHash}); `pos` is where
 * the source had it (`<part>@<position>`). Append-only; a crash may leave a last line cut short,
 * which a reader skips.
 */
export const LEDGER_VERSION = 1;

interface LedgerLine {
  id: string;
  key?: string;
  body: string;
  headers?: string;
  pos?: string;
  at?: number;
}

/** Options of {@link LedgerWriter.open}. */
export interface LedgerWriterOptions {
  /** Route name written in the first line. */
  route?: string;
  /** Headers hashed (default: as verification compares them). */
  headers?: HeaderFilter;
  /** Bytes buffered before a write to the file. @defaultValue 65536 */
  bufferBytes?: number;
}

/**
 * Appends ledger lines to a file. `append` buffers; `flush` writes and fsyncs what was appended
 * (call it before acknowledging the source, for a ledger that survives a crash); `close` flushes
 * and closes. Calls are serialised; not for use from several processes on one file.
 */
export class LedgerWriter {
  readonly #file: FileHandle;
  readonly #headers: HeaderFilter | undefined;
  readonly #bufferBytes: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #queuedSync: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  private constructor(file: FileHandle, options: LedgerWriterOptions) {
    this.#file = file;
    this.#headers = options.headers;
    this.#bufferBytes = options.bufferBytes ?? 65_536;
  }

  /** Opens (creating, with its first line) or continues the ledger at `path`. Rejects on I/O errors. */
  static async open(path: string, options: LedgerWriterOptions = {}): Promise<LedgerWriter> {
    const file = await open(path, 'a');
    const { size } = await file.stat();
    if (size === 0) {
      const first = { 'polybus-ledger': LEDGER_VERSION, route: options.route, created: Date.now() };
      await file.write(`${JSON.stringify(first)}\n`);
    }
    return new LedgerWriter(file, options);
  }

  /** Buffers the line of `message` (written at the latest by the next `flush`). Throws once closed. */
  append(message: Message, position?: string): void {
    if (this.#closed) throw new DataError('ledger is closed');
    const line: LedgerLine = {
      id: message.id,
      ...(message.key === undefined ? {} : { key: message.key }),
      body: bodyHash(message.body),
      headers: headersHash(message.headers, this.#headers),
      ...(position === undefined ? {} : { pos: position }),
      at: Date.now(),
    };
    const text = `${JSON.stringify(line)}\n`;
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes >= this.#bufferBytes) void this.#write(false).catch(() => undefined);
  }

  /** Writes and fsyncs everything appended so far. Rejects on I/O errors. After `close`: waits for it. */
  flush(): Promise<void> {
    return this.#closing ?? this.#write(true);
  }

  /** Flushes and closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await this.#write(true);
      await this.#file.close();
    })();
    return this.#closing;
  }

  /**
   * Queues a write of what is pending when the write runs (and an fsync when `sync`). A sync write
   * that is queued and not started yet is shared: many concurrent `flush` calls cost one fsync.
   */
  #write(sync: boolean): Promise<void> {
    if (sync && this.#queuedSync !== undefined) return this.#queuedSync;
    const step = this.#chain.then(async () => {
      if (sync) this.#queuedSync = undefined;
      const text = this.#pending.join('');
      this.#pending = [];
      this.#pendingBytes = 0;
      if (text !== '') await this.#file.write(text);
      if (sync) await this.#file.sync();
    });
    if (sync) this.#queuedSync = step;
    this.#chain = step.catch(() => undefined);
    return step;
  }
}

/**
 * Reads a ledger as fingerprints, in file order, streaming (one line in memory). Throws DataError
 * for a file that is not a version-1 ledger or a malformed line; a malformed last line (cut short
 * by a crash) is skipped.
 */
export async function* readLedger(path: string): AsyncGenerator<Fingerprint> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  let broken: { number: number; error: unknown } | undefined;
  for await (const text of lines) {
    number++;
    if (broken !== undefined)
      throw new DataError(`ledger ${path} line ${broken.number} is not valid`, { cause: broken.error });
    if (number === 1) {
      let first: Record<string, unknown> | undefined;
      try {
        first = parseJson(text);
      } catch {
        first = undefined;
      }
      if (first?.['polybus-ledger'] !== LEDGER_VERSION)
        throw new DataError(`${path} is not a polybus ledger (version ${LEDGER_VERSION})`);
      continue;
    }
    if (text.trim() === '') continue;
    try {
      yield fingerprintOfLine(parseJson(text));
    } catch (error) {
      broken = { number, error };
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

function fingerprintOfLine(line: Record<string, unknown> | undefined): Fingerprint {
  const { id, key, body, headers, pos } = line ?? {};
  if (typeof id !== 'string' || typeof body !== 'string' || !HEX64.test(body))
    throw new DataError('ledger line needs "id" and a sha-256 hex "body"');
  return {
    id,
    ...(typeof key === 'string' ? { key } : {}),
    bodyHash: body,
    ...(typeof headers === 'string' && HEX64.test(headers) ? { headersHash: headers } : {}),
    ...(typeof pos === 'string' ? { position: pos } : {}),
  };
}
