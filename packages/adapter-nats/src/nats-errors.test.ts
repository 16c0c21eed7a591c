import {
  AddressError,
  BrokerError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  TimeoutError,
} from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { fromNatsError, isConsumerGone, isNoResponders, jsErrCode } from './nats-errors.js';

const natsError = (code: string, message: string, api_error?: object) =>
  Object.assign(new Error(message), { code, ...(api_error ? { api_error } : {}) });

describe('fromNatsError', () => {
  it('maps nats.js codes to typed polybus errors', () => {
    expect(fromNatsError(natsError('TIMEOUT', 'timeout'), 'publish')).toBeInstanceOf(TimeoutError);
    expect(fromNatsError(natsError('CONNECTION_CLOSED', 'closed'), 'x')).toBeInstanceOf(ConnectionError);
    expect(fromNatsError(natsError('MAX_PAYLOAD_EXCEEDED', 'too big'), 'x')).toBeInstanceOf(
      MessageTooLargeError,
    );
    expect(fromNatsError(natsError('BAD_HEADER', 'bad'), 'x')).toBeInstanceOf(DataError);
    expect(fromNatsError(natsError('BAD_SUBJECT', 'bad'), 'x')).toBeInstanceOf(AddressError);
    const auth = fromNatsError(natsError('AUTHORIZATION_VIOLATION', 'no'), 'connect');
    expect(auth).toBeInstanceOf(ConnectionError);
    expect(auth.retriable).toBe(false);
    expect(fromNatsError(new Error('odd'), 'x')).toBeInstanceOf(BrokerError);
  });

  it('redacts credentials from driver messages', () => {
    const e = fromNatsError(
      natsError('CONNECTION_REFUSED', 'cannot reach nats://bob:hunter2@h:4222'),
      'connect',
    );
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toContain('connect: ');
  });

  it('passes polybus errors through', () => {
    const original = new DataError('x');
    expect(fromNatsError(original, 'y')).toBe(original);
  });
});

describe('error predicates', () => {
  it('recognises no responders and vanished consumers', () => {
    expect(isNoResponders(natsError('503', 'no responders'))).toBe(true);
    expect(isNoResponders(natsError('TIMEOUT', 't'))).toBe(false);
    expect(isConsumerGone(natsError('409', 'consumer deleted'))).toBe(true);
    expect(isConsumerGone(natsError('404', 'consumer not found', { err_code: 10014 }))).toBe(true);
    expect(isConsumerGone(natsError('TIMEOUT', 'timeout'))).toBe(false);
    expect(jsErrCode(natsError('400', 'x', { err_code: 10059 }))).toBe(10059);
    expect(jsErrCode('nope')).toBeUndefined();
  });
});
