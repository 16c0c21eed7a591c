import { describe, expect, it } from 'vitest';
import { durationSchema, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads units and bare milliseconds', () => {
    expect(parseDuration('200ms')).toBe(200);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration(42)).toBe(42);
  });
  it('rejects what is not a duration', () => {
    expect(parseDuration('ten seconds')).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(durationSchema.safeParse('5 parsecs').success).toBe(false);
    expect(durationSchema.parse('2s')).toBe(2000);
  });
});
