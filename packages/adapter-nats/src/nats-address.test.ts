import { AddressError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { hasWildcard, isValidSubject, parseNatsAddress, parsePublishAddress } from './nats-address.js';

describe('isValidSubject', () => {
  it('accepts plain and wildcard subjects', () => {
    for (const s of ['orders', 'orders.created', 'a.*.c', 'a.>', '>', '_INBOX.abc.1', 'rt-m1-2']) {
      expect(isValidSubject(s), s).toBe(true);
    }
  });

  it('rejects empty tokens, whitespace and misplaced wildcards', () => {
    for (const s of ['', 'a..b', '.a', 'a.', 'a b', 'a\tb', 'a.>.c', 'a*', 'a.b>', 'x'.repeat(2000)]) {
      expect(isValidSubject(s), JSON.stringify(s)).toBe(false);
    }
  });
});

describe('parseNatsAddress', () => {
  it('reads a string as a JetStream subject', () => {
    expect(parseNatsAddress('orders.created')).toEqual({ kind: 'jetstream', subject: 'orders.created' });
  });

  it('reads { subject, stream } as JetStream with a named stream', () => {
    expect(parseNatsAddress({ subject: 'a.b', stream: 'ORDERS' })).toEqual({
      kind: 'jetstream',
      subject: 'a.b',
      stream: 'ORDERS',
    });
    expect(parseNatsAddress({ subject: 'a.b', core: false })).toEqual({ kind: 'jetstream', subject: 'a.b' });
  });

  it('reads { subject, core: true } as core NATS', () => {
    expect(parseNatsAddress({ subject: 'svc.echo', core: true })).toEqual({
      kind: 'core',
      subject: 'svc.echo',
    });
  });

  it('rejects invalid addresses with an AddressError', () => {
    const bad: unknown[] = [
      '',
      'not a subject',
      { subject: 'a', core: true, stream: 'S' },
      { subject: 'a', stream: 'bad.name' },
      { subject: 'a', queue: 'x' },
      { stream: 'S' },
      42,
    ];
    for (const address of bad) {
      expect(() => parseNatsAddress(address as never), JSON.stringify(address)).toThrow(AddressError);
    }
  });
});

describe('parsePublishAddress', () => {
  it('rejects wildcards, which only subscriptions may use', () => {
    expect(hasWildcard('a.*')).toBe(true);
    expect(hasWildcard('a.b')).toBe(false);
    expect(() => parsePublishAddress('a.>')).toThrow(AddressError);
    expect(() => parsePublishAddress({ subject: 'a.*', core: true })).toThrow(AddressError);
    expect(parsePublishAddress('a.b').subject).toBe('a.b');
  });
});
