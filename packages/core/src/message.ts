import { randomUUID } from 'node:crypto';
import { DataError } from './errors.js';

/**
 * The envelope every polybus API speaks. Plain, immutable data: adapters map it to and from their
 * broker's native message; provenance of a received message (partition, offset, delivery tag...)
 * lives on the {@link Delivery}, never in here.
 */
export interface Message {
  /** Unique id: the broker's message id where one exists, else generated at publish. */
  readonly id: string;
  /** The payload, as bytes. Never re-encoded unless a transform asks for it. */
  readonly body: Uint8Array;
  /** Canonical lower-case header names (see {@link CanonicalHeaders}) and user headers, untouched. */
  readonly headers: Readonly<Record<string, string>>;
  /** Ordering / partitioning key. */
  readonly key?: string;
  /** Milliseconds since the epoch: when the message was created. */
  readonly timestamp: number;
}

/** What a caller hands to `publish`: everything but the body is optional. */
export interface MessageInput {
  /** Id to use; generated (UUID v4) when absent. Reusing an id lets brokers with dedup drop a resend. */
  id?: string;
  /** Bytes, or a string (encoded as UTF-8). */
  body: Uint8Array | string;
  headers?: Readonly<Record<string, string>>;
  key?: string;
  /** Defaults to now. */
  timestamp?: number;
}

const encoder = new TextEncoder();

/** Generates a message id (UUID v4). */
export function newMessageId(): string {
  return randomUUID();
}

/**
 * Normalises a {@link MessageInput} (or an existing {@link Message}) into a frozen {@link Message}.
 * Throws {@link DataError} when a field has the wrong type (e.g. a header value that is not a string).
 */
export function createMessage(input: MessageInput | Message): Message {
  if (input === null || typeof input !== 'object')
    throw new DataError('message must be an object with a body');
  const { body } = input;
  let bytes: Uint8Array;
  if (body instanceof Uint8Array) bytes = body;
  else if (typeof body === 'string') bytes = encoder.encode(body);
  else throw new DataError('message.body must be a Uint8Array or a string');
  // Null prototype: a header named __proto__ or constructor is a real header, not dropped (issue 14).
  const headers: Record<string, string> = Object.create(null);
  if (input.headers !== undefined) {
    for (const [name, value] of Object.entries(input.headers)) {
      if (typeof value !== 'string') throw new DataError(`message.headers["${name}"] must be a string`);
      headers[name] = value;
    }
  }
  if (input.key !== undefined && typeof input.key !== 'string')
    throw new DataError('message.key must be a string');
  const id = input.id ?? newMessageId();
  if (typeof id !== 'string' || id === '') throw new DataError('message.id must be a non-empty string');
  const timestamp = input.timestamp ?? Date.now();
  if (!Number.isFinite(timestamp)) throw new DataError('message.timestamp must be a finite number');
  const message: Message =
    input.key === undefined
      ? { id, body: bytes, headers: Object.freeze(headers), timestamp }
      : { id, body: bytes, headers: Object.freeze(headers), key: input.key, timestamp };
  return Object.freeze(message);
}

/** Decodes a body as UTF-8 text (invalid sequences become U+FFFD). */
export function bodyText(message: Pick<Message, 'body'>): string {
  return Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('utf8');
}

/** Views a body as a Node Buffer without copying. */
export function bodyBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
