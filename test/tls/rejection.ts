import { isPolybusError, type PolybusError } from '@polybus/core';
import { expect } from 'vitest';
import { expectNoSecret } from './secrets.js';

/**
 * Awaits `promise` and returns the {@link PolybusError} it rejected with. Throws (failing the test)
 * when it resolves, or rejects with anything that is not a PolybusError (an untyped error).
 */
export async function rejection(promise: Promise<unknown>): Promise<PolybusError> {
  try {
    await promise;
  } catch (error) {
    if (isPolybusError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Something a test opened and must close in `afterAll`. */
export interface Closable {
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Keeps what a test file opens, so one `afterAll(() => pool.closeAll())` closes it all (errors of
 * already broken connections ignored). `track` returns its argument.
 */
export class ClosePool {
  readonly #open: Closable[] = [];

  track<T extends Closable>(item: T): T {
    this.#open.push(item);
    return item;
  }

  /** Closes everything tracked so far, in parallel; never rejects. Safe to call twice. */
  async closeAll(timeoutMs = 1_000): Promise<void> {
    const items = this.#open.splice(0);
    await Promise.all(items.map((t) => t.close({ timeoutMs }).catch(() => undefined)));
  }
}

/**
 * Asserts `error` is the first-connect failure of a refused login or an untrusted server certificate:
 * `CONNECTION_FAILED`, not retriable, `details.reason` = `reason`, a message that says so
 * (`authentication failed` / `TLS server certificate not trusted`, unless `reason` is `tls` and
 * `messageSays` is false), and none of `secrets` anywhere in it (see {@link expectNoSecret}).
 */
export function expectConnectRefused(
  error: PolybusError,
  reason: 'auth' | 'tls',
  secrets: readonly string[] = [],
  messageSays = true,
): void {
  expect(error.code).toBe('CONNECTION_FAILED');
  expect(error.retriable).toBe(false);
  expect(error.details).toMatchObject({ reason });
  if (messageSays)
    expect(error.message).toContain(
      reason === 'auth' ? 'authentication failed' : 'TLS server certificate not trusted',
    );
  expectNoSecret(error, ...secrets);
}
