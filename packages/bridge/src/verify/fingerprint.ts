import { hash } from 'node:crypto';
import type { Message } from '@polybus/core';

/**
 * What verification knows of one message: its id, key, sha-256 of the body and of the compared
 * headers, and where it was read. A ledger line holds exactly this, so a source drained by a bridge
 * (RabbitMQ) is verified from what the bridge recorded.
 */
export interface Fingerprint {
  readonly id: string;
  readonly key?: string;
  /** sha-256 of the body bytes, lower-case hex (64 characters). */
  readonly bodyHash: string;
  /** sha-256 of the compared headers, hex (see {@link headersHash}); undefined: not known, not compared. */
  readonly headersHash?: string;
  /** Where it sits (`<part>@<position>`, a ledger sequence), for reports only. */
  readonly position?: string;
}

/** Which headers verification compares: every header for which this returns true. */
export type HeaderFilter = (name: string) => boolean;

/** Headers the default filter leaves out: the id (compared as the id) and a time some brokers rewrite. */
const UNCOMPARED = new Set(['message-id', 'timestamp']);

/**
 * The default header filter: every header except those a bridge or broker adds in transit
 * (`x-polybus-*`), `message-id` (it is the id: some adapters keep it as a header, others as the
 * broker's id field) and `timestamp` (some brokers rewrite it).
 */
export const defaultHeaderFilter: HeaderFilter = (name) =>
  !name.startsWith('x-polybus-') && !UNCOMPARED.has(name);

/** The hash of headers none of which is compared (shared: most messages carry only those). */
const NO_HEADERS_HASH = hash('sha256', '', 'hex');

/**
 * sha-256 (hex) of the headers `filter` keeps, sorted by name (`name\0value\0` each, UTF-8). Pure.
 * Hashes are one-shot and hex strings, not Buffers: verification hashes millions of messages, and
 * short strings are young garbage the GC frees at once where a small Buffer each is not.
 */
export function headersHash(
  headers: Readonly<Record<string, string>>,
  filter: HeaderFilter = defaultHeaderFilter,
): string {
  const names = Object.keys(headers).filter(filter);
  if (names.length === 0) return NO_HEADERS_HASH;
  names.sort();
  let text = '';
  for (const name of names) text += `${name}\0${headers[name] as string}\0`;
  return hash('sha256', text, 'hex');
}

/** sha-256 of a body, hex. */
export function bodyHash(body: Uint8Array): string {
  return hash('sha256', body, 'hex');
}

/** The fingerprint of a message read from a broker. Pure. */
export function fingerprintOf(
  message: Message,
  position?: string,
  filter: HeaderFilter = defaultHeaderFilter,
): Fingerprint {
  return {
    id: message.id,
    ...(message.key === undefined ? {} : { key: message.key }),
    bodyHash: bodyHash(message.body),
    headersHash: headersHash(message.headers, filter),
    ...(position === undefined ? {} : { position }),
  };
}

/**
 * Writes the first 16 bytes of the sha-256 of `text` (an id or a key: the table key) into `target`
 * and returns it; no allocation besides the hex string.
 */
export function digest16Into(text: string, target: Buffer): Buffer {
  target.write(hash('sha256', text, 'hex'), 0, 16, 'hex');
  return target;
}
