/**
 * Wraps an async function so that only its first call runs; every later call returns the first
 * call's promise (later arguments are ignored). Used for `close()` methods, which must be safe to
 * call twice.
 */
export function once<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let result: Promise<T> | undefined;
  return (...args) => {
    result ??= fn(...args);
    return result;
  };
}
