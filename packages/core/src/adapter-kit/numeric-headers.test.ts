import { describe, expect, it } from 'vitest';
import { createMessage } from '../message.js';
import { expirationHeaderMs, priorityHeader } from './numeric-headers.js';

const message = createMessage({ id: 'msg-a', body: '' });

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('expirationHeaderMs', () => {
  it('reads digits as milliseconds up to the bound', () => {
    expect(expirationHeaderMs(message, '0')).toBe(0);
    expect(expirationHeaderMs(message, '4294967295', 0xffffffff)).toBe(0xffffffff);
  });

  it('refuses what is not digits, or past the bound, without quoting the value', () => {
    for (const value of ['1.5', '-1', '10s', '', 'secret-token-abc', '4294967296']) {
      const error = refusal(() => expirationHeaderMs(message, value, 0xffffffff));
      expect(error.code).toBe('DATA_INVALID');
      expect(error.message).toContain('message msg-a: header "expiration"');
      if (value !== '') expect(error.message).not.toContain(value);
    }
  });
});

describe('priorityHeader', () => {
  it('reads 0-255', () => {
    expect(priorityHeader(message, '0')).toBe(0);
    expect(priorityHeader(message, '255')).toBe(255);
  });

  it('refuses anything else without quoting the value', () => {
    for (const value of ['256', 'high', '-1', '']) {
      const error = refusal(() => priorityHeader(message, value));
      expect(error.code).toBe('DATA_INVALID');
      expect(error.message).toContain('header "priority" must be an integer 0-255');
      if (value !== '') expect(error.message).not.toContain(`"${value}"`);
    }
  });
});
