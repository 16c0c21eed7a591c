import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration: a number of milliseconds, or a string such as `200ms`, `10s`, `1.5m`, `1h`
 * (a bare number in a string is milliseconds). Returns `undefined` when the text is not a duration.
 * Pure; never throws.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match?.[1]) return undefined;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1));
}

/** Zod schema of a duration (number of ms or `200ms` / `10s` / `1m` / `1h`); outputs milliseconds. */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(DURATION, 'expected a duration such as 200ms, 10s, 1m or 1h'),
  ])
  .transform((value) => parseDuration(value) ?? 0)
  .meta({ description: 'A duration: milliseconds as a number, or a string like 200ms, 10s, 1m, 1h.' });
