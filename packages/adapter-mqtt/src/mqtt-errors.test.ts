import { describe, expect, it } from 'vitest';
import { fromMqttError } from './mqtt-errors.js';

function withCode(message: string, code: number): Error {
  return Object.assign(new Error(message), { code });
}

describe('fromMqttError', () => {
  it('makes bad credentials a non-retriable connection error', () => {
    const e = fromMqttError(withCode('Connection refused: Bad User Name or Password', 134), 'connect');
    expect(e.code).toBe('CONNECTION_FAILED');
    expect(e.retriable).toBe(false);
    expect(e.details).toEqual({ reasonCode: 134, reason: 'auth' });
    expect(e.message).toContain('authentication failed');
  });

  it('makes an untrusted server certificate a non-retriable connection error with reason tls', () => {
    const cause = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    for (const stage of ['connect', 'subscribe'] as const) {
      const e = fromMqttError(cause, stage);
      expect(e.code).toBe('CONNECTION_FAILED');
      expect(e.retriable).toBe(false);
      expect(e.details).toEqual({ reason: 'tls' });
    }
  });

  it('makes a 3.1.1 "not authorized" return code non-retriable', () => {
    expect(fromMqttError(withCode('Connection refused: Not authorized', 5), 'connect').retriable).toBe(false);
  });

  it('makes a refused publish a non-retriable broker error', () => {
    const e = fromMqttError(withCode('Publish error: Not authorized', 135), 'publish');
    expect(e.code).toBe('BROKER_ERROR');
    expect(e.retriable).toBe(false);
  });

  it('maps packet too large and invalid topics to message faults', () => {
    expect(fromMqttError(withCode('too large', 149), 'publish').code).toBe('MESSAGE_TOO_LARGE');
    expect(fromMqttError(withCode('Topic Name invalid', 144), 'publish').code).toBe('ADDRESS_INVALID');
  });

  it('keeps network errors retriable and removes credentials', () => {
    const e = fromMqttError(new Error('connect ECONNREFUSED mqtt://bob:secret@127.0.0.1:1'), 'connect');
    expect(e.code).toBe('CONNECTION_FAILED');
    expect(e.retriable).toBe(true);
    expect(e.message).not.toContain('secret');
  });
});
