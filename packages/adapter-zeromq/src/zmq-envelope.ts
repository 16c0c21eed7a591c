import { createMessage, type Message, newMessageId } from '@polybus/core';
import { headerTextFromString, isValidHeaderName } from '@polybus/core/adapter-kit';

/**
 * First bytes of a polybus metadata frame: NUL, `p`, `b`, then the envelope version (`1`). A frame
 * that starts with NUL is never a text payload, so raw peers are not mistaken for polybus ones.
 */
export const ENVELOPE_MAGIC = Buffer.from([0x00, 0x70, 0x62, 0x31]);

/** Largest metadata frame accepted (id, key and headers together). */
export const MAX_METADATA_BYTES = 256 * 1024;

/** Most headers accepted in one metadata frame. */
export const MAX_HEADERS = 1_000;

/** Where a publisher stamps its messages so subscribers can count what PUB/SUB dropped. */
export interface SequenceStamp {
  /** The publishing socket's random id. */
  readonly src: string;
  /** 1, 2, 3 … per (src, topic). */
  readonly seq: number;
}

/** The JSON object of a metadata frame (after the magic). */
interface MetadataV1 {
  id: string;
  ts: number;
  key?: string;
  h?: Record<string, string>;
  src?: string;
  seq?: number;
}

/**
 * Encodes `message` as the frames of one ZeroMQ multipart message: `[topic][metadata][body]` on
 * pub/sub (`topic` given), `[metadata][body]` on push/pull. The metadata frame is
 * {@link ENVELOPE_MAGIC} followed by UTF-8 JSON `{"id","ts","key"?,"h"?,"src"?,"seq"?}`. The body
 * frame is the message's bytes, not copied. Pure; does not check the headers (the sender runs the
 * core `checkOutgoingHeaders` on a whole batch first).
 */
export function encodeFrames(message: Message, topic?: string, stamp?: SequenceStamp): Buffer[] {
  const meta: MetadataV1 = { id: message.id, ts: message.timestamp };
  if (message.key !== undefined) meta.key = message.key;
  if (Object.keys(message.headers).length > 0) meta.h = { ...message.headers };
  if (stamp) {
    meta.src = stamp.src;
    meta.seq = stamp.seq;
  }
  const metaFrame = Buffer.concat([ENVELOPE_MAGIC, Buffer.from(JSON.stringify(meta), 'utf8')]);
  const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
  return topic === undefined ? [metaFrame, body] : [Buffer.from(topic, 'utf8'), metaFrame, body];
}

/** A decoded ZeroMQ message. */
export interface DecodedFrames {
  readonly ok: true;
  readonly message: Message;
  /** The topic frame (pub/sub), or undefined. */
  readonly topic: string | undefined;
  /** True when the peer sent no polybus metadata (id generated, no headers, timestamp = now). */
  readonly raw: boolean;
  /** The publisher's sequence stamp, when it sent one. */
  readonly stamp: SequenceStamp | undefined;
}

/** Frames that are neither a polybus envelope nor a raw message of the pattern. */
export interface MalformedFrames {
  readonly ok: false;
  readonly reason: string;
}

/**
 * Decodes the frames of one received message. Pub/sub: `[topic][metadata][body]` (polybus),
 * `[topic][body]` or `[topic+body]` (raw; a single frame is the body, topic included). Push/pull:
 * `[metadata][body]` (polybus) or `[body]` (raw). Anything else, and any metadata frame that is not
 * valid v1 JSON of the right types, is reported malformed, never thrown. Headers follow the core
 * header policy: a value with CR, LF or NUL becomes `base64:` + its UTF-8 bytes, an empty name or
 * one with control characters is dropped. Decoding builds fresh
 * objects from checked fields only: a hostile `__proto__` key is refused, never assigned. Pure except
 * for the generated id and timestamp of a raw message.
 */
export function decodeFrames(
  frames: readonly Buffer[],
  pattern: 'pubsub' | 'pushpull',
): DecodedFrames | MalformedFrames {
  const now = Date.now();
  if (pattern === 'pubsub') {
    if (frames.length === 3 && hasMagicPrefix(frames[1]!)) {
      return fromMetadata(frames[1]!, frames[2]!, frames[0]!.toString('utf8'));
    }
    if (frames.length === 3 && isMetadataLike(frames[1]!)) return unsupportedVersion(frames[1]!);
    if (frames.length === 2) return raw(frames[1]!, frames[0]!.toString('utf8'), now);
    if (frames.length === 1) return raw(frames[0]!, undefined, now);
    return { ok: false, reason: `pub/sub message with ${frames.length} frames (expected 1-3)` };
  }
  if (frames.length === 2 && hasMagicPrefix(frames[0]!))
    return fromMetadata(frames[0]!, frames[1]!, undefined);
  if (frames.length === 2 && isMetadataLike(frames[0]!)) return unsupportedVersion(frames[0]!);
  if (frames.length === 1) return raw(frames[0]!, undefined, now);
  return {
    ok: false,
    reason: `push/pull message with ${frames.length} frames (expected 1, or 2 with metadata)`,
  };
}

function hasMagicPrefix(frame: Buffer): boolean {
  return (
    frame.length >= ENVELOPE_MAGIC.length && frame.subarray(0, ENVELOPE_MAGIC.length).equals(ENVELOPE_MAGIC)
  );
}

/** NUL `p` `b` and any version byte: a polybus envelope of another version. */
function isMetadataLike(frame: Buffer): boolean {
  return frame.length >= 4 && frame[0] === 0x00 && frame[1] === 0x70 && frame[2] === 0x62;
}

function unsupportedVersion(frame: Buffer): MalformedFrames {
  return { ok: false, reason: `unsupported envelope version byte 0x${frame[3]!.toString(16)}` };
}

function raw(body: Buffer, topic: string | undefined, now: number): DecodedFrames {
  const message = createMessage({ id: newMessageId(), body, timestamp: now });
  return { ok: true, message, topic, raw: true, stamp: undefined };
}

function fromMetadata(
  metaFrame: Buffer,
  body: Buffer,
  topic: string | undefined,
): DecodedFrames | MalformedFrames {
  if (metaFrame.length > MAX_METADATA_BYTES) {
    return { ok: false, reason: `metadata frame of ${metaFrame.length} bytes (max ${MAX_METADATA_BYTES})` };
  }
  let meta: unknown;
  try {
    meta = JSON.parse(metaFrame.subarray(ENVELOPE_MAGIC.length).toString('utf8'));
  } catch {
    return { ok: false, reason: 'metadata frame is not valid JSON' };
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    return { ok: false, reason: 'metadata is not a JSON object' };
  }
  const fields = meta as Record<string, unknown>;
  const id = own(fields, 'id');
  const ts = own(fields, 'ts');
  const key = own(fields, 'key');
  const h = own(fields, 'h');
  const src = own(fields, 'src');
  const seq = own(fields, 'seq');
  if (typeof id !== 'string' || id.length === 0 || id.length > 1024) {
    return { ok: false, reason: 'metadata.id must be a string of 1-1024 characters' };
  }
  if (typeof ts !== 'number' || !Number.isFinite(ts))
    return { ok: false, reason: 'metadata.ts must be a number' };
  if (key !== undefined && typeof key !== 'string')
    return { ok: false, reason: 'metadata.key must be a string' };
  const headers = readHeaders(h);
  if (typeof headers === 'string') return { ok: false, reason: headers };
  let stamp: SequenceStamp | undefined;
  if (src !== undefined || seq !== undefined) {
    if (
      typeof src !== 'string' ||
      src.length === 0 ||
      src.length > 128 ||
      !Number.isSafeInteger(seq) ||
      (seq as number) < 1
    ) {
      return { ok: false, reason: 'metadata.src/seq must be a string and a positive integer' };
    }
    stamp = { src, seq: seq as number };
  }
  const message = createMessage(
    key === undefined ? { id, body, headers, timestamp: ts } : { id, body, headers, key, timestamp: ts },
  );
  return { ok: true, message, topic, raw: false, stamp };
}

function own(object: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

/** Checked copy of `metadata.h`, or the reason it is refused. */
function readHeaders(h: unknown): Record<string, string> | string {
  if (h === undefined) return {};
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return 'metadata.h must be an object';
  const entries = Object.entries(h);
  if (entries.length > MAX_HEADERS) return `metadata.h has more than ${MAX_HEADERS} headers`;
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of entries) {
    if (name === '__proto__') return `metadata.h has a forbidden header name "${name}"`;
    if (typeof value !== 'string') return `metadata.h[${JSON.stringify(name.slice(0, 64))}] must be a string`;
    // the core header policy: a name a publisher may not send is dropped, a value with CR, LF, NUL
    // or a lone surrogate (JSON can carry them escaped) becomes base64: of its UTF-8 bytes
    if (isValidHeaderName(name)) headers[name] = headerTextFromString(value);
  }
  return headers;
}
