import { describe, expect, it } from 'vitest';
import { durableNameFor, MAX_NAME_LENGTH, sanitizeName, shortHash, streamNameFor } from './nats-names.js';

describe('sanitizeName', () => {
  it('keeps a name that is already valid', () => {
    expect(sanitizeName('orders')).toBe('orders');
    expect(sanitizeName('rt-m3x-1a-7')).toBe('rt-m3x-1a-7');
  });

  it('replaces invalid characters and appends a hash of the original', () => {
    expect(sanitizeName('orders.created')).toBe(`orders_created_${shortHash('orders.created')}`);
    expect(sanitizeName('a b/c*>')).toMatch(/^a_b_c___[0-9a-f]{8}$/);
  });

  it('keeps names apart that clean up to the same text', () => {
    expect(sanitizeName('a.b')).not.toBe(sanitizeName('a_b'));
    expect(sanitizeName('a.b')).not.toBe(sanitizeName('a*b'));
  });

  it('bounds long names and stays deterministic', () => {
    const long = 'x'.repeat(300);
    const name = sanitizeName(long);
    expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(name).toBe(sanitizeName(long));
    expect(sanitizeName(`${long}y`)).not.toBe(name);
  });

  it('never returns an empty name', () => {
    expect(sanitizeName('')).toMatch(/^_[0-9a-f]{8}$/);
  });
});

describe('shortHash', () => {
  it('is 8 hex digits and differs for different inputs', () => {
    expect(shortHash('a')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortHash('a')).not.toBe(shortHash('b'));
    expect(shortHash('')).toBe('811c9dc5');
  });
});

describe('streamNameFor / durableNameFor', () => {
  it('derives the stream name from the subject', () => {
    expect(streamNameFor('events')).toBe('events');
    expect(streamNameFor('events.>')).toMatch(/^events___[0-9a-f]{8}$/);
  });

  it('gives one group different durables on different subjects', () => {
    expect(durableNameFor('billing', 'orders.a')).not.toBe(durableNameFor('billing', 'orders.b'));
    expect(durableNameFor('billing', 'orders.a')).toBe(`billing-${shortHash('orders.a')}`);
    expect(durableNameFor('my group', 'x')).toMatch(/^my_group_[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('produces only valid JetStream name characters', () => {
    for (const n of [
      durableNameFor('g.*>', 'a.b.>'),
      streamNameFor('a.*.c'),
      durableNameFor('z'.repeat(200), 's'),
    ]) {
      expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(n.length).toBeLessThanOrEqual(MAX_NAME_LENGTH + 9);
    }
  });
});
