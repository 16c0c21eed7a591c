import { ClosedError, ConfigError, ConnectionError, TimeoutError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { fromZmqError, zmqCode } from './zmq-errors.js';

const zmqError = (code: string, message = 'boom'): Error =>
  Object.assign(new Error(message), { code, errno: 1 });

describe('fromZmqError', () => {
  it('reads the errno code', () => {
    expect(zmqCode(zmqError('EAGAIN'))).toBe('EAGAIN');
    expect(zmqCode('x')).toBeUndefined();
    expect(zmqCode(null)).toBeUndefined();
  });

  it('maps bind failures to retriable connection errors', () => {
    const e = fromZmqError(zmqError('EADDRINUSE', 'Address already in use'), 'bind tcp://127.0.0.1:1');
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.retriable).toBe(true);
    expect(e.message).toContain('EADDRINUSE');
  });

  it('maps EAGAIN to a timeout, ETERM to closed, EINVAL to config', () => {
    expect(fromZmqError(zmqError('EAGAIN'), 'send')).toBeInstanceOf(TimeoutError);
    expect(fromZmqError(zmqError('ETERM'), 'send')).toBeInstanceOf(ClosedError);
    const config = fromZmqError(zmqError('EINVAL'), 'bind');
    expect(config).toBeInstanceOf(ConfigError);
    expect(config.retriable).toBe(false);
  });

  it('wraps anything else with its cause, redacting URL credentials', () => {
    const e = fromZmqError(new Error('odd at zmq+tcp://u:secret@h:1'), 'receive');
    expect(e.code).toBe('BROKER_ERROR');
    expect(e.message).not.toContain('secret');
    expect(e.cause).toBeInstanceOf(Error);
  });
});
