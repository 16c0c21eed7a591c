/**
 * Turning polybus names (subjects, group names) into JetStream stream and consumer names. Pure.
 *
 * JetStream names may not contain `.`, `*`, `>`, whitespace or path separators, and should stay
 * short. A name that needs no change is kept as it is; a name that had to be changed gets a short
 * hash of the original appended, so two different inputs never map to the same name (`a.b` and
 * `a_b` stay apart).
 */

/** Longest name this module produces (JetStream accepts more; file storage paths prefer short). */
export const MAX_NAME_LENGTH = 64;

const VALID = /^[A-Za-z0-9_-]+$/;

/** FNV-1a 32-bit hash of `text` (UTF-16 code units), as 8 lower-case hex digits. Pure. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A valid JetStream name for `raw`: `raw` itself when it already is one (letters, digits, `_`, `-`,
 * at most {@link MAX_NAME_LENGTH} characters), else `raw` with every other character replaced by
 * `_`, cut to fit, and `_<hash of raw>` appended. Deterministic: every process derives the same name.
 */
export function sanitizeName(raw: string): string {
  if (raw.length > 0 && raw.length <= MAX_NAME_LENGTH && VALID.test(raw)) return raw;
  const cleaned = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME_LENGTH - 9);
  return `${cleaned}_${shortHash(raw)}`;
}

/** Name of the stream created on demand for `subject` (see {@link sanitizeName}). */
export function streamNameFor(subject: string): string {
  return sanitizeName(subject);
}

/**
 * Durable consumer name of `group` on `subject`: the sanitised group name, a `-`, and a hash of the
 * subject, so one group on two subjects of the same stream gets two consumers.
 */
export function durableNameFor(group: string, subject: string): string {
  const base = sanitizeName(group);
  const suffix = `-${shortHash(subject)}`;
  return base.length + suffix.length <= MAX_NAME_LENGTH + 9
    ? `${base}${suffix}`
    : `${base.slice(0, MAX_NAME_LENGTH)}${suffix}`;
}
