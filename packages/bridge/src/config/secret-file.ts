import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Largest secret file read by `${file:...}` (a password, token, key or certificate fits easily). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** The outcome of reading one secret file: its text, or why it could not be used (never the content). */
export type SecretFileResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string };

/** Reads a secret file; injectable so config code stays testable. */
export type SecretFileReader = (path: string) => SecretFileResult;

/**
 * Reads the secret in `path` as `${file:path}` means it: an absolute path to a regular file of at most
 * {@link MAX_SECRET_FILE_BYTES}, UTF-8, with one trailing newline (`\n` or `\r\n`) removed (as
 * `echo x > file` and Docker/Kubernetes secrets write it). Never blocks on a FIFO or device (opened
 * non-blocking, then checked to be a regular file). The failure reason names the path and the problem,
 * never the content. Synchronous; safe to call any number of times.
 */
export function readSecretFile(path: string): SecretFileResult {
  if (!isAbsolute(path)) return { ok: false, reason: `secret file path "${path}" must be absolute` };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: `cannot open secret file ${path} (${codeOf(error)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: `secret file ${path} is not a regular file` };
    if (stat.size > MAX_SECRET_FILE_BYTES)
      return { ok: false, reason: `secret file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = buffer.subarray(0, read).toString('utf8');
    return { ok: true, value: text.replace(/\r?\n$/, '') };
  } catch (error) {
    return { ok: false, reason: `cannot read secret file ${path} (${codeOf(error)})` };
  } finally {
    closeSync(fd);
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'read error';
}
