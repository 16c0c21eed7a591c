import { describe, expect, it } from 'vitest';
import {
  AddressError,
  BrokerError,
  ClosedError,
  ConfigError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
  NotConnectedError,
  PublishError,
  TimeoutError,
  UnroutableError,
  UnsupportedError,
} from './errors.js';
import { failureKind, isMessageFault } from './failure.js';

describe('failureKind', () => {
  it.each([
    new DataError('bad json'),
    new MessageTooLargeError('too big'),
    new AddressError('bad address'),
    new UnroutableError('no queue'),
    new UnsupportedError('no delay'),
    new ConfigError('bad option'),
  ])('$name is the message’s fault', (error) => {
    expect(failureKind(error)).toBe('message');
    expect(isMessageFault(error)).toBe(true);
  });

  it.each([
    new ConnectionError('down'),
    new NotConnectedError('reconnecting'),
    new TimeoutError('slow'),
    new PublishError('nacked'),
    new BrokerError('refused', { retriable: false }),
    new ClosedError('closed'),
    new Error('plain'),
    'a string',
  ])('%s is the transport’s', (error) => {
    expect(failureKind(error)).toBe('transport');
  });

  it('decides by code, not by retriable: a non-retriable ClosedError is still the transport’s', () => {
    expect(new ClosedError('x').retriable).toBe(false);
    expect(isMessageFault(new ClosedError('x'))).toBe(false);
    expect(isMessageFault(new DataError('x', { retriable: true }))).toBe(true);
  });
});
