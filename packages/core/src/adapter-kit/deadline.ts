import { TimeoutError } from '../errors.js';

/**
 * Resolves or rejects as `promise` does, or rejects with a retriable {@link TimeoutError}
 * (`<what>: no reply within <ms> ms`) after `ms`: a caller never waits for ever on a reply that will
 * not come (frozen server, lost command, a flush over a dead socket). The late outcome of `promise`
 * is ignored (never an unhandled rejection); whatever it started is not cancelled. The timer is
 * cleared as soon as either side settles.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no reply within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
