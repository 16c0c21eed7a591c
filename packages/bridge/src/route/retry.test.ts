import {
  ClosedError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  PublishError,
  TimeoutError,
  UnroutableError,
} from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { classifyFailure, nextRetryDelay } from './retry.js';

describe('classifyFailure', () => {
  it('treats sink trouble as transport errors (retried)', () => {
    for (const error of [
      new ConnectionError('down'),
      new PublishError('nack'),
      new TimeoutError('slow'),
      new ClosedError('closed'),
      new Error('??'),
    ]) {
      expect(classifyFailure(error)).toBe('transport');
    }
  });
  it('treats message trouble as data errors (dead-lettered at once)', () => {
    for (const error of [
      new DataError('bad json'),
      new MessageTooLargeError('big'),
      new UnroutableError('nowhere'),
    ]) {
      expect(classifyFailure(error)).toBe('data');
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
