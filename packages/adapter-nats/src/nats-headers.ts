import { CanonicalHeaders, DataError, type Message } from '@polybus/core';
import { checkOutgoingHeader, headerTextFromString, isValidHeaderName } from '@polybus/core/adapter-kit';

/** NATS header names the adapter reserves for envelope fields. */
export const NatsHeaderNames = {
  /** Carries `Message.id`; JetStream drops a second message with the same id inside the duplicate window. */
  msgId: 'Nats-Msg-Id',
  /** Carries `Message.key` (NATS has no key). */
  key: 'x-polybus-key',
  /** Carries `Message.timestamp`, decimal milliseconds since the epoch. */
  timestamp: 'x-polybus-timestamp',
} as const;

const RESERVED = new Set(Object.values(NatsHeaderNames).map((n) => n.toLowerCase()));

/** What to write on the wire for one message: header entries in order, and the core reply subject. */
export interface NatsOutgoing {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Core NATS only: the `reply-to` header travels as the message's native reply subject. */
  readonly reply?: string;
}

/** Throws {@link DataError} unless `name` is a header name NATS can carry (printable ASCII, no `:`). */
export function checkHeaderName(name: string): void {
  if (name.length === 0) throw new DataError('header name must not be empty');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) {
      throw new DataError(
        `header name ${JSON.stringify(name)} is not valid on NATS (printable ASCII without ":")`,
      );
    }
  }
}

/**
 * Throws {@link DataError} when `value` breaks the header policy of every adapter (CR, LF, NUL or a
 * lone surrogate; docs/security.md), which NATS headers could not carry anyway.
 */
export function checkHeaderValue(name: string, value: string): void {
  checkOutgoingHeader('nats', name, value);
}

/**
 * Maps a message to NATS headers (pure): `Nats-Msg-Id` = id, `x-polybus-key` = key (when set),
 * `x-polybus-timestamp` = timestamp, then every message header under its own name (user headers
 * with the same name as a reserved one are dropped: the envelope field wins). With `core`, a
 * `reply-to` header becomes the native reply subject instead of a header. Throws {@link DataError}
 * for a header NATS cannot carry.
 */
export function toNatsHeaders(message: Message, options: { core: boolean }): NatsOutgoing {
  const out: Array<readonly [string, string]> = [[NatsHeaderNames.msgId, message.id]];
  checkHeaderValue(NatsHeaderNames.msgId, message.id);
  if (message.key !== undefined) {
    checkHeaderValue(NatsHeaderNames.key, message.key);
    out.push([NatsHeaderNames.key, message.key]);
  }
  out.push([NatsHeaderNames.timestamp, String(Math.trunc(message.timestamp))]);
  let reply: string | undefined;
  for (const [name, value] of Object.entries(message.headers)) {
    if (RESERVED.has(name.toLowerCase())) continue;
    checkHeaderName(name);
    checkHeaderValue(name, value);
    if (options.core && name === CanonicalHeaders.replyTo && value !== '') {
      reply = value;
      continue;
    }
    out.push([name, value]);
  }
  return reply === undefined ? { headers: out } : { headers: out, reply };
}

/** Envelope fields read back from a received NATS message. */
export interface NatsIncoming {
  readonly id: string;
  readonly key?: string;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the receiver knows besides the headers, for messages from producers that set none. */
export interface IncomingFallback {
  /** Id when there is no `Nats-Msg-Id` (JetStream: `<stream>:<sequence>`; core: a fresh UUID). */
  readonly id: () => string;
  /** Timestamp when there is no valid `x-polybus-timestamp` (JetStream: stored time; core: now). */
  readonly timestamp: number;
  /** Core NATS reply subject, exposed as the `reply-to` header. */
  readonly reply?: string;
}

const MSG_ID_LOWER = NatsHeaderNames.msgId.toLowerCase();
const KEY_LOWER = NatsHeaderNames.key.toLowerCase();
const TIMESTAMP_LOWER = NatsHeaderNames.timestamp.toLowerCase();

/**
 * Maps received NATS headers (name -> values, as nats.js holds them) back to envelope fields (pure).
 * Reserved names are matched case-insensitively and removed from `headers`; of a header sent several
 * times the first value counts. Every other header is kept under its own name, its value by the
 * header policy (CR, LF or NUL: `base64:`), a name with control characters is dropped. The
 * returned `headers` is a new object that nothing else refers to: the caller may freeze it as it is.
 */
export function fromNatsHeaders(
  entries: Iterable<readonly [string, readonly string[]]>,
  fallback: IncomingFallback,
): NatsIncoming {
  // Null prototype: a header named __proto__ stays a real key (issue 14).
  const headers: Record<string, string> = Object.create(null);
  let id: string | undefined;
  let key: string | undefined;
  let timestamp: number | undefined;
  for (const [name, values] of entries) {
    const value = values[0] ?? '';
    const lower = name.toLowerCase();
    if (lower === MSG_ID_LOWER) {
      if (value !== '') id = value;
    } else if (lower === KEY_LOWER) {
      key = value;
    } else if (lower === TIMESTAMP_LOWER) {
      const ms = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
      if (Number.isSafeInteger(ms)) timestamp = ms;
    } else if (!(name in headers) && isValidHeaderName(name)) {
      headers[name] = headerTextFromString(value);
    }
  }
  if (fallback.reply !== undefined && fallback.reply !== '' && !(CanonicalHeaders.replyTo in headers)) {
    headers[CanonicalHeaders.replyTo] = fallback.reply;
  }
  return key === undefined
    ? { id: id ?? fallback.id(), timestamp: timestamp ?? fallback.timestamp, headers }
    : { id: id ?? fallback.id(), key, timestamp: timestamp ?? fallback.timestamp, headers };
}
