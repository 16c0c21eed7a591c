import { describe, expect, it } from 'vitest';
import {
  AddressError,
  BrokerError,
  ConnectionError,
  isPolybusError,
  PolybusError,
  redactText,
  redactUrl,
  toPolybusError,
  UnknownSchemeError,
} from './errors.js';

describe('redactUrl', () => {
  it('hides user and password', () => {
    expect(redactUrl('amqp://guest:s3cret@10.0.0.1:5672/vhost')).toBe('amqp://***:***@10.0.0.1:5672/vhost');
    expect(redactUrl('redis://:p4ss@127.0.0.1:6379')).toBe('redis://***:***@127.0.0.1:6379');
    expect(redactUrl('kafka://user@host:9092')).toBe('kafka://***:***@host:9092');
  });

  it('leaves URLs without credentials alone', () => {
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('memory://')).toBe('memory://');
  });

  it('redacts every URL inside free text', () => {
    const text = 'connect ECONNREFUSED amqp://bob:pw@a:1 then redis://x:y@b:2 failed';
    const out = redactText(text);
    expect(out).not.toContain('pw');
    expect(out).not.toContain('bob');
    expect(out).toBe('connect ECONNREFUSED amqp://***:***@a:1 then redis://***:***@b:2 failed');
  });
});

describe('PolybusError', () => {
  it('carries code, retriable and cause', () => {
    const cause = new Error('socket hang up');
    const e = new ConnectionError('broker down', { cause });
    expect(e).toBeInstanceOf(PolybusError);
    expect(e.code).toBe('CONNECTION_FAILED');
    expect(e.retriable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('ConnectionError');
    expect(new AddressError('bad').retriable).toBe(false);
    expect(new BrokerError('x', { retriable: false }).retriable).toBe(false);
  });

  it('lists known schemes when one is unknown', () => {
    expect(new UnknownSchemeError('mqtt', ['amqp', 'kafka']).message).toBe(
      'no adapter registered for scheme "mqtt:" (registered: amqp:, kafka:)',
    );
  });

  it('wraps foreign errors without leaking credentials', () => {
    const wrapped = toPolybusError(new Error('cannot reach amqp://u:secret@h:1'), 'publish');
    expect(isPolybusError(wrapped)).toBe(true);
    expect(wrapped.message).toBe('publish: cannot reach amqp://***:***@h:1');
    expect(wrapped.retriable).toBe(true);
    const own = new AddressError('nope');
    expect(toPolybusError(own, 'x')).toBe(own);
  });

  it('serialises to JSON with code and cause message', () => {
    const e = new ConnectionError('down', { cause: new Error('ECONNREFUSED') });
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({
      code: 'CONNECTION_FAILED',
      retriable: true,
      cause: 'ECONNREFUSED',
    });
  });
});
