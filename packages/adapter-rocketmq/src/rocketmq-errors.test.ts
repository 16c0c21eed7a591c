import { describe, expect, it } from 'vitest';
import { fromRocketmqConnectError, fromRocketmqError } from './rocketmq-errors.js';

class FakeClientException extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

describe('fromRocketmqError', () => {
  it.each([
    [40402, 'ADDRESS_INVALID', false],
    [40003, 'ADDRESS_INVALID', false],
    [41301, 'MESSAGE_TOO_LARGE', false],
    [43101, 'MESSAGE_TOO_LARGE', false],
    [40007, 'DATA_INVALID', false],
    [41302, 'DATA_INVALID', false],
    [40100, 'CONNECTION_FAILED', false],
    [42900, 'BROKER_ERROR', true],
    [50001, 'BROKER_ERROR', true],
    [50400, 'TIMEOUT', true],
    [14, 'CONNECTION_FAILED', true],
    [4, 'TIMEOUT', true],
  ])('maps status %i to %s (retriable %s)', (status, code, retriable) => {
    const error = fromRocketmqError(new FakeClientException(status, 'boom'), 'send');
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.details).toEqual({ rocketmqCode: status });
  });

  it('finds the status of a wrapped cause and drops the FAQ link', () => {
    const inner = new FakeClientException(
      40402,
      'no topic route\nFor more information, please visit the url, x',
    );
    const error = fromRocketmqError(new Error('startup failed', { cause: inner }), 'subscribe');
    expect(error.code).toBe('ADDRESS_INVALID');
    expect(error.message).toBe('subscribe: no topic route');
  });

  it('treats an error without a status as a retriable connection failure, credentials removed', () => {
    const error = fromRocketmqError(new Error('connect rocketmq://ak:sk@h:1 refused'), 'connect');
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(true);
    expect(error.message).not.toContain('sk@');
  });
});

describe('fromRocketmqConnectError', () => {
  const tls = { tls: true };
  const unavailable = (last: string): FakeClientException =>
    new FakeClientException(
      14,
      `14 UNAVAILABLE: No connection established. Last error: ${last}. Resolution note: `,
    );

  it.each([
    'Error: unable to verify the first certificate',
    'Error: self-signed certificate',
    'Error: self-signed certificate in certificate chain',
    'Error: certificate has expired',
    "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: mq.example. is not in the cert's list: localhost",
  ])('makes a certificate that does not verify (%s) a non-retriable TLS failure', (last) => {
    const error = fromRocketmqConnectError(
      unavailable(last),
      'rocketmq: cannot ask rocketmqs://h:8081 for a route',
      tls,
    );
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({ rocketmqCode: 14, reason: 'tls' });
    expect(error.message).toMatch(
      /^rocketmq: cannot ask rocketmqs:\/\/h:8081 for a route: TLS server certificate not trusted \(14 UNAVAILABLE: .+\)$/,
    );
  });

  it('knows a Node TLS error by its code too', () => {
    const cause = Object.assign(new Error('certificate is not yet valid'), { code: 'CERT_NOT_YET_VALID' });
    const error = fromRocketmqConnectError(new Error('startup failed', { cause }), 'connect', tls);
    expect(error.retriable).toBe(false);
    expect(error.details).toMatchObject({ reason: 'tls' });
  });

  it('leaves an unreachable proxy retriable and refused credentials as they are', () => {
    const down = fromRocketmqConnectError(unavailable('Failed to connect'), 'connect', tls);
    expect(down.retriable).toBe(true);
    expect(down.details).toEqual({ rocketmqCode: 14 });
    expect(down.message).not.toContain('rocketmqs://');
    const refused = fromRocketmqConnectError(
      new FakeClientException(40100, 'check signature failed'),
      'connect',
      tls,
    );
    expect(refused.retriable).toBe(false);
    expect(refused.details).toEqual({ rocketmqCode: 40100 });
  });

  it('names no credentials of the URL', () => {
    const error = fromRocketmqConnectError(
      unavailable('Error: self-signed certificate for rocketmqs://ak:s3cret@h:1'),
      'connect',
      tls,
    );
    expect(error.retriable).toBe(false);
    expect(error.message).not.toContain('s3cret');
  });

  it('hints at rocketmqs:// when a plain connection gets no gRPC answer, still retriable', () => {
    const error = fromRocketmqConnectError(unavailable('Failed to connect'), 'connect', { tls: false });
    expect(error.retriable).toBe(true);
    expect(error.details).toEqual({ rocketmqCode: 14 });
    expect(error.message).toContain('if the proxy requires TLS, use rocketmqs://');
    const refused = fromRocketmqConnectError(new FakeClientException(40100, 'no'), 'connect', { tls: false });
    expect(refused.message).toBe('connect: no');
  });
});
