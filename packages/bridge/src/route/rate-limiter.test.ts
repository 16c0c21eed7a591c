import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from './rate-limiter.js';

function fakeClock() {
  let now = 0;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('serves a full bucket at once, then spaces requests at the rate', () => {
    const { clock, advance } = fakeClock();
    const bucket = new TokenBucket(10, 10, clock);
    for (let i = 0; i < 10; i++) expect(bucket.reserve(1)).toBe(0);
    expect(bucket.reserve(1)).toBeCloseTo(100);
    expect(bucket.reserve(1)).toBeCloseTo(200);
    advance(200);
    expect(bucket.reserve(1)).toBeCloseTo(100);
  });
  it('never holds more than its capacity after idling', () => {
    const { clock, advance } = fakeClock();
    const bucket = new TokenBucket(5, 5, clock);
    advance(60_000);
    for (let i = 0; i < 5; i++) expect(bucket.reserve(1)).toBe(0);
    expect(bucket.reserve(1)).toBeCloseTo(200);
  });
  it('serves a request larger than the capacity, later', () => {
    const { clock } = fakeClock();
    const bucket = new TokenBucket(100, 100, clock);
    expect(bucket.reserve(300)).toBeCloseTo(2000);
  });
});

describe('RateLimiter', () => {
  it('holds the message rate over a simulated minute', () => {
    const { clock, advance } = fakeClock();
    const limiter = new RateLimiter({ messages: 50 }, clock);
    let taken = 0;
    let t = 0;
    // Callers take a message as soon as its wait is over.
    while (t < 60_000) {
      const wait = limiter.delayFor(10);
      advance(wait);
      t += wait;
      if (t <= 60_000) taken++;
    }
    // One second of burst plus 50/s for 60 s.
    expect(taken).toBeGreaterThanOrEqual(50 * 60);
    expect(taken).toBeLessThanOrEqual(50 * 61 + 1);
  });
  it('waits for the byte bucket when it is the tighter limit', () => {
    const { clock } = fakeClock();
    const limiter = new RateLimiter({ messages: 1000, bytes: 1000 }, clock);
    expect(limiter.delayFor(1000)).toBe(0);
    expect(limiter.delayFor(500)).toBeCloseTo(500);
  });
});
