import {
  AddressError,
  BrokerError,
  ClosedError,
  ConnectionError,
  DataError,
  MessageTooLargeError,
} from '@polybus/core';
import { isMessageFault } from '@polybus/core/adapter-kit';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { mapKafkaError } from './kafka-errors.js';

const {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} = kafkajs;

const protocol = (type: string, retriable: boolean): Error =>
  new KafkaJSProtocolError({ message: `protocol ${type}`, type, code: 0, retriable });
const ctx = { operation: 'publish to "t"', autoCreateTopics: false };

describe('mapKafkaError', () => {
  it('maps MESSAGE_TOO_LARGE and RECORD_LIST_TOO_LARGE to MessageTooLargeError', () => {
    for (const type of ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']) {
      const e = mapKafkaError(protocol(type, false), ctx);
      expect(e).toBeInstanceOf(MessageTooLargeError);
      expect(e.retriable).toBe(false);
    }
  });

  it('maps a record the broker refuses as invalid to DataError, a message fault (the coalescer splits on it)', () => {
    for (const type of ['INVALID_RECORD', 'INVALID_TIMESTAMP']) {
      const e = mapKafkaError(
        new KafkaJSNumberOfRetriesExceeded(protocol(type, false), { retryCount: 5, retryTime: 100 }),
        ctx,
      );
      expect(e).toBeInstanceOf(DataError);
      expect(e.code).toBe('DATA_INVALID');
      expect(isMessageFault(e)).toBe(true);
    }
    expect(isMessageFault(mapKafkaError(protocol('MESSAGE_TOO_LARGE', false), ctx))).toBe(true);
    expect(isMessageFault(mapKafkaError(new KafkaJSConnectionError('down'), ctx))).toBe(false);
    expect(isMessageFault(mapKafkaError(protocol('NOT_LEADER_OR_FOLLOWER', true), ctx))).toBe(false);
  });

  it('maps refused SASL credentials and an unverifiable broker certificate to non-retriable ConnectionErrors', () => {
    const auth = mapKafkaError(
      new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: invalid credentials'),
      { ...ctx, operation: 'connect' },
    );
    expect(auth).toBeInstanceOf(ConnectionError);
    expect(auth.retriable).toBe(false);
    expect(auth.details?.reason).toBe('authentication');
    expect(auth.message).toMatch(/^kafka connect failed: authentication refused/);
    const protocolAuth = mapKafkaError(protocol('SASL_AUTHENTICATION_FAILED', false), ctx);
    expect(protocolAuth.details?.reason).toBe('authentication');
    const tls = mapKafkaError(
      new KafkaJSConnectionError('Connection error: unable to verify the first certificate', {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      }),
      { ...ctx, operation: 'connect' },
    );
    expect(tls).toBeInstanceOf(ConnectionError);
    expect(tls.retriable).toBe(false);
    expect(tls.details?.reason).toBe('tls');
    const refused = mapKafkaError(
      new KafkaJSConnectionError('Connection error: refused', { code: 'ECONNREFUSED' }),
      ctx,
    );
    expect(refused.retriable).toBe(true);
    expect(refused.details?.reason).toBeUndefined();
  });

  it('maps an unknown topic to a non-retriable AddressError when topics are not auto-created', () => {
    const e = mapKafkaError(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), ctx);
    expect(e).toBeInstanceOf(AddressError);
    expect(e.retriable).toBe(false);
    const transient = mapKafkaError(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), {
      ...ctx,
      autoCreateTopics: true,
    });
    expect(transient).toBeInstanceOf(BrokerError);
    expect(transient.retriable).toBe(true);
  });

  it('maps an invalid topic name to AddressError', () => {
    expect(mapKafkaError(protocol('INVALID_TOPIC_EXCEPTION', false), ctx)).toBeInstanceOf(AddressError);
  });

  it('unwraps KafkaJSNumberOfRetriesExceeded to the protocol error inside', () => {
    const wrapped = new KafkaJSNumberOfRetriesExceeded(protocol('NOT_LEADER_FOR_PARTITION', true), {
      retryCount: 5,
      retryTime: 100,
    });
    const e = mapKafkaError(wrapped, ctx);
    expect(e).toBeInstanceOf(BrokerError);
    expect(e.retriable).toBe(true);
    expect(e.details?.type).toBe('NOT_LEADER_FOR_PARTITION');
    expect(e.cause).toBe(wrapped);
  });

  it('keeps a leader change retriable after kafkajs gave up on it, whatever flag the wrapper carries', () => {
    // kafkajs gives a stored protocol error retriable:false once its own retries are exhausted; seen
    // right after a broker restart. Dead-lettering a healthy message for that would be wrong.
    for (const type of ['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'REQUEST_TIMED_OUT']) {
      const wrapped = new KafkaJSNumberOfRetriesExceeded(protocol(type, false), {
        retryCount: 5,
        retryTime: 100,
      });
      expect(mapKafkaError(wrapped, ctx).retriable, type).toBe(true);
    }
    const untyped = new KafkaJSNumberOfRetriesExceeded(new Error('metadata not loaded'), {
      retryCount: 5,
      retryTime: 100,
    });
    expect(mapKafkaError(untyped, ctx).retriable).toBe(true);
    expect(mapKafkaError(new kafkajs.KafkaJSNonRetriableError('invalid argument'), ctx).retriable).toBe(
      false,
    );
  });

  it('maps network failures and timeouts to a retriable ConnectionError', () => {
    const down = mapKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), ctx);
    expect(down).toBeInstanceOf(ConnectionError);
    expect(down.retriable).toBe(true);
    const retried = mapKafkaError(
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('closed'), {
        retryCount: 5,
        retryTime: 1,
      }),
      ctx,
    );
    expect(retried).toBeInstanceOf(ConnectionError);
    expect(mapKafkaError(new KafkaJSRequestTimeoutError('Request Produce timed out'), ctx)).toBeInstanceOf(
      ConnectionError,
    );
  });

  it('keeps kafkajs retriable on other broker errors and passes PolybusErrors through', () => {
    expect(mapKafkaError(protocol('CORRUPT_MESSAGE', false), ctx).retriable).toBe(false);
    expect(mapKafkaError(protocol('NOT_ENOUGH_REPLICAS', true), ctx).retriable).toBe(true);
    const closed = new ClosedError('closed');
    expect(mapKafkaError(closed, ctx)).toBe(closed);
  });

  it('never puts credentials in the message', () => {
    const e = mapKafkaError(new KafkaJSConnectionError('failed kafka://user:secret@host:9092'), ctx);
    expect(e.message).not.toContain('secret');
  });
});
