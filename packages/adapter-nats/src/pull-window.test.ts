import { describe, expect, it } from 'vitest';
import { nextPullSize, pullLimit } from './pull-window.js';

describe('nextPullSize', () => {
  it('asks for two windows when nothing is held', () => {
    expect(nextPullSize(256, 0)).toBe(512);
    expect(nextPullSize(1, 0)).toBe(2);
  });

  it('asks for the room left once it is at least a quarter of maxInFlight', () => {
    expect(nextPullSize(256, 256)).toBe(256);
    expect(nextPullSize(256, 448)).toBe(64);
    expect(nextPullSize(256, 449)).toBe(0);
    expect(nextPullSize(256, 512)).toBe(0);
  });

  it('never lets the member hold more than twice maxInFlight', () => {
    for (const max of [1, 2, 3, 4, 7, 100, 256]) {
      for (let held = 0; held <= 2 * max; held++) {
        const size = nextPullSize(max, held);
        expect(held + size).toBeLessThanOrEqual(2 * max);
        expect(size === 0 || size >= 1).toBe(true);
      }
    }
  });

  it('with maxInFlight 1 keeps one message waiting behind the one with the handler', () => {
    expect(nextPullSize(1, 1)).toBe(1);
    expect(nextPullSize(1, 2)).toBe(0);
  });
});

describe('pullLimit', () => {
  it('is twice maxInFlight while maxAckPending allows it (or has no limit)', () => {
    expect(pullLimit(256, 1000)).toBe(512);
    expect(pullLimit(256, -1)).toBe(512);
    expect(pullLimit(256, 0)).toBe(512);
  });

  it('stops at maxAckPending, never below maxInFlight', () => {
    expect(pullLimit(600, 1000)).toBe(1000);
    expect(pullLimit(2000, 1000)).toBe(2000);
    expect(nextPullSize(600, 900, pullLimit(600, 1000))).toBe(0);
    expect(nextPullSize(600, 850, pullLimit(600, 1000))).toBe(150);
  });
});
