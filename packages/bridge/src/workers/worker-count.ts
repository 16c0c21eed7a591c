import { ConfigError } from '@polybus/core';

/** Most worker processes `--workers` / `workers:` accept. */
export const MAX_WORKERS = 256;

/**
 * The number of worker processes `value` asks for: a whole number 1..{@link MAX_WORKERS}, or `auto`
 * (one per core: `cores`, at least 1). Throws {@link ConfigError} for anything else (`0`, `-1`,
 * `1.5`, `many`). Pure.
 */
export function parseWorkerCount(value: string | number, cores: number): number {
  if (value === 'auto') return Math.max(1, Math.min(MAX_WORKERS, Math.floor(cores)));
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new ConfigError(`--workers must be auto or a whole number from 1 to ${MAX_WORKERS}, not ${value}`);
  return n;
}
