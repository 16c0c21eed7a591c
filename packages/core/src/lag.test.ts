import { describe, expect, it } from 'vitest';
import { isDrained, lagReport } from './lag.js';

describe('lagReport', () => {
  it('sums parts and keeps waiting and inFlight only when every part knows them', () => {
    const known = lagReport([
      { name: '0', total: 5, waiting: 3, inFlight: 2 },
      { name: '1', total: 4, waiting: 4, inFlight: 0 },
    ]);
    expect(known).toMatchObject({ total: 9, waiting: 7, inFlight: 2, exact: true, groupExists: true });
    const partial = lagReport([
      { name: 'q', total: 7 },
      { name: 'r', total: 1, inFlight: 1 },
    ]);
    expect(partial.total).toBe(8);
    expect(partial.inFlight).toBeUndefined();
    expect(partial.waiting).toBeUndefined();
  });
  it('reports an empty address as zero and carries the flags', () => {
    const report = lagReport([], { exact: false, groupExists: false, at: 5 });
    expect(report).toEqual({
      total: 0,
      waiting: 0,
      inFlight: 0,
      exact: false,
      groupExists: false,
      parts: [],
      at: 5,
    });
  });
});

describe('isDrained', () => {
  it('needs no lag, an exact count and nothing in flight, asking the consumer where the broker cannot tell', () => {
    expect(isDrained(lagReport([{ name: '0', total: 0, waiting: 0, inFlight: 0 }]))).toBe(true);
    expect(isDrained(lagReport([{ name: '0', total: 1, waiting: 0, inFlight: 1 }]))).toBe(false);
    expect(isDrained(lagReport([{ name: 's', total: 0, waiting: 0 }], { exact: false }))).toBe(false);
    const depthOnly = lagReport([{ name: 'q', total: 0, waiting: 0 }]);
    expect(depthOnly.inFlight).toBeUndefined();
    expect(isDrained(depthOnly)).toBe(true);
    expect(isDrained(depthOnly, 3)).toBe(false);
  });
});
