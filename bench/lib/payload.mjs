/**
 * The benchmark message body: 1 KiB of JSON whose first fields are a sequence number and the send
 * time, so the sink consumer can read both from the first bytes without a full parse, and a JSONata
 * transform (which decodes and re-encodes the body as JSON) still sees them.
 *
 *   {"seq":123,"ts":1732140000123.456,"pad":"xxxx...."}
 */

/** Size of every benchmark body in bytes. */
export const BODY_BYTES = 1024;

const PAD_CHAR = 'x';

/** Current time in milliseconds with sub-millisecond precision (same clock in one process). */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/**
 * Builds the body of message `seq`, stamped with `ts` (default: now). Always exactly
 * {@link BODY_BYTES} bytes.
 */
export function makeBody(seq, ts = nowMs()) {
  const head = `{"seq":${seq},"ts":${ts.toFixed(3)},"pad":"`;
  const tail = '"}';
  const padLength = BODY_BYTES - head.length - tail.length;
  return Buffer.from(head + PAD_CHAR.repeat(padLength) + tail, 'latin1');
}

const SEQ = /"seq":(\d+)/;
const TS = /"ts":([\d.]+)/;

/**
 * Reads `{ seq, ts }` from a body written by {@link makeBody} (or a transform of it that kept the two
 * fields). Returns undefined for a body that has neither.
 */
export function readStamp(body) {
  const head = body.subarray(0, 96).toString('latin1');
  const seq = SEQ.exec(head);
  const ts = TS.exec(head);
  if (seq === null || ts === null) return undefined;
  return { seq: Number(seq[1]), ts: Number(ts[1]) };
}
