import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Document, isScalar, type LineCounter, visit } from 'yaml';
import { ConfigFileError, type ConfigProblem } from './config-problem.js';

/** Default cap of a config file's size (4 MiB); `POLYBUS_CONFIG_MAX_BYTES` overrides it. */
export const DEFAULT_CONFIG_MAX_BYTES = 4 * 1024 * 1024;

/** Keys that would reach an object's prototype when a config is turned into objects. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The size cap in force: `POLYBUS_CONFIG_MAX_BYTES` when it is a positive integer, else the default. */
export function configMaxBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.POLYBUS_CONFIG_MAX_BYTES);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_CONFIG_MAX_BYTES;
}

/**
 * Reads a config file as UTF-8, refusing at once (without reading) anything that is not a regular
 * file (a FIFO, a device such as /dev/zero, a directory) and any file over the size cap. Opens
 * non-blocking so that a FIFO without a writer cannot hang. Rejects with {@link ConfigFileError}.
 */
export async function readConfigText(file: string, maxBytes = configMaxBytes()): Promise<string> {
  const fail = (message: string): ConfigFileError => new ConfigFileError([{ file, path: '(root)', message }]);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw fail('not a regular file (a config must be a plain file)');
    if (stat.size > maxBytes)
      throw fail(`file too large (${stat.size} bytes; at most ${maxBytes}, see POLYBUS_CONFIG_MAX_BYTES)`);
    const buffer = Buffer.alloc(stat.size + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    // The file grew between stat and read: the cap still holds.
    if (bytesRead > maxBytes) throw fail(`file too large (at most ${maxBytes} bytes)`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    throw fail(`cannot read file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

/**
 * Problems for every mapping key `__proto__`, `constructor` or `prototype` anywhere in a parsed YAML
 * document (checked on the YAML tree, before objects are built). Pure.
 */
export function forbiddenKeyProblems(doc: Document, lineCounter: LineCounter, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Pair(_key, pair) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) {
        const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        problems.push({
          file,
          line: offset === undefined ? undefined : lineCounter.linePos(offset).line,
          path: '(root)',
          message: `forbidden key ${key}`,
        });
      }
    },
  });
  return problems;
}

/**
 * True when a parsed document looks like a polybus config: a mapping with `connections` or `routes`.
 * Anything else (a password file, a certificate) gets one generic problem, so no line of it is quoted.
 * Pure.
 */
export function looksLikeConfig(raw: unknown): boolean {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    (Object.hasOwn(raw, 'connections') || Object.hasOwn(raw, 'routes'))
  );
}

/** The problem reported for a file that is not a polybus config. */
export function notAConfigProblem(file: string): ConfigProblem {
  return {
    file,
    path: '(root)',
    message: 'not a polybus config (expected a mapping with connections and routes)',
  };
}

/** A key as it may be printed in a problem: names only; anything else is not echoed. Pure. */
export function printableKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : '(unprintable key)';
}
