import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../errors.js';
import { withDeadline } from './deadline.js';

describe('withDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes on the value or the error of a promise that settles in time, and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve(7), 1_000, 'x')).resolves.toBe(7);
    const cause = new Error('no');
    await expect(withDeadline(Promise.reject(cause), 1_000, 'x')).rejects.toBe(cause);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a retriable TimeoutError naming what did not answer, and swallows the late outcome', async () => {
    vi.useFakeTimers();
    let lateReject: (error: Error) => void = () => undefined;
    const never = new Promise<number>((_, reject) => {
      lateReject = reject;
    });
    const result = withDeadline(never, 250, 'flush of s');
    const settled = expect(result).rejects.toThrowError(
      new TimeoutError('flush of s: no reply within 250 ms'),
    );
    await vi.advanceTimersByTimeAsync(250);
    await settled;
    await expect(result).rejects.toMatchObject({ code: 'TIMEOUT', retriable: true });
    lateReject(new Error('late')); // must not surface as an unhandled rejection (vitest fails the run)
    await Promise.resolve();
  });
});
