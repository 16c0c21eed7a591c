import {
  ClosedError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  PublishError,
  TimeoutError,
  UnroutableError,
} from '@polybus/core';
import { failureKind } from '@polybus/core/adapter-kit';
import { describe, expect, it } from 'vitest';
import { backoffOptions, nextRetryDelay } from './retry.js';

// The route classifies with core's failureKind (its own copy, classifyFailure, is gone); these are
// the cases that copy was tested with, now against the one classification.
describe('failureKind, as the route uses it', () => {
  it('treats sink trouble as transport errors (retried)', () => {
    for (const error of [
      new ConnectionError('down'),
      new PublishError('nack'),
      new TimeoutError('slow'),
      new ClosedError('closed'),
      new Error('??'),
    ]) {
      expect(failureKind(error)).toBe('transport');
    }
  });
  it('treats message trouble as data errors (dead-lettered at once)', () => {
    for (const error of [
      new DataError('bad json'),
      new MessageTooLargeError('big'),
      new UnroutableError('nowhere'),
    ]) {
      expect(failureKind(error)).toBe('message');
    }
  });
});

describe('nextRetryDelay', () => {
  const policy = { maxAttempts: 4, initialDelay: 100, maxDelay: 300 };
  it('grows exponentially with jitter, capped, and gives up after maxAttempts', () => {
    expect(nextRetryDelay(1, policy, () => 1)).toBe(100);
    expect(nextRetryDelay(1, policy, () => 0)).toBe(50);
    expect(nextRetryDelay(2, policy, () => 1)).toBe(200);
    expect(nextRetryDelay(3, policy, () => 1)).toBe(300);
    expect(nextRetryDelay(4, policy, () => 1)).toBeUndefined();
  });
  it('never retries when maxAttempts is 1', () => {
    expect(nextRetryDelay(1, { ...policy, maxAttempts: 1 })).toBeUndefined();
  });
});

describe('backoffOptions', () => {
  it('is the route retry config in backoff terms (ms, factor 2, half jitter)', () => {
    expect(backoffOptions({ maxAttempts: 3, initialDelay: 200, maxDelay: 10_000 })).toEqual({
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      factor: 2,
      jitter: 0.5,
    });
  });
});
