import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('doubles the delay for crashes in a row, up to the cap', () => {
    const b = new RestartBackoff({ initialDelayMs: 500, maxDelayMs: 3_000, healthyAfterMs: 30_000 });
    expect([b.crashed(100), b.crashed(100), b.crashed(100), b.crashed(100), b.crashed(100)]).toEqual([
      500, 1_000, 2_000, 3_000, 3_000,
    ]);
    expect(b.crashesInARow).toBe(5);
  });
  it('starts over after a healthy run', () => {
    const b = new RestartBackoff({ initialDelayMs: 500, healthyAfterMs: 30_000 });
    b.crashed(10);
    b.crashed(10);
    expect(b.crashed(30_000)).toBe(500);
    expect(b.crashesInARow).toBe(1);
    expect(b.crashed(29_999)).toBe(1_000);
  });
});
