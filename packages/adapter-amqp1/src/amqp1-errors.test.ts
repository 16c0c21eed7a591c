import { isMessageFault } from '@polybus/core/adapter-kit';
import { describe, expect, it } from 'vitest';
import { conditionOf, fromAmqp1Error } from './amqp1-errors.js';

describe('fromAmqp1Error', () => {
  const e = (condition: string) => ({ condition, description: 'from the broker' });

  it('maps conditions by meaning', () => {
    expect(fromAmqp1Error(e('amqp:not-found'), 'attach', 'x')).toMatchObject({ code: 'ADDRESS_INVALID' });
    expect(fromAmqp1Error(e('amqp:link:message-size-exceeded'), 'publish', 'x')).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    expect(fromAmqp1Error(e('amqp:decode-error'), 'publish', 'x')).toMatchObject({ code: 'DATA_INVALID' });
    expect(fromAmqp1Error(e('amqp:unauthorized-access'), 'connect', 'x')).toMatchObject({
      code: 'CONNECTION_FAILED',
      retriable: false,
    });
    expect(fromAmqp1Error(e('amqp:unauthorized-access'), 'publish', 'x')).toMatchObject({
      code: 'PUBLISH_REJECTED',
      retriable: false,
    });
    expect(fromAmqp1Error(e('amqp:resource-limit-exceeded'), 'publish', 'x')).toMatchObject({
      code: 'PUBLISH_REJECTED',
      retriable: true,
    });
    expect(fromAmqp1Error(e('amqp:connection:forced'), 'connect', 'x')).toMatchObject({
      code: 'CONNECTION_FAILED',
      retriable: true,
    });
    expect(fromAmqp1Error(undefined, 'settle', 'x')).toMatchObject({ code: 'BROKER_ERROR', retriable: true });
  });

  it('classifies a rejected message as the message fault only when the broker says so', () => {
    expect(isMessageFault(fromAmqp1Error(e('amqp:decode-error'), 'publish', 'x'))).toBe(true);
    expect(isMessageFault(fromAmqp1Error(e('amqp:internal-error'), 'publish', 'x'))).toBe(false);
  });

  it('names the condition and redacts URL credentials in the description', () => {
    const error = fromAmqp1Error(
      { condition: 'amqp:internal-error', description: 'cannot reach amqp1://bob:hunter2@h:1' },
      'publish',
      'ctx',
    );
    expect(error.message).toContain('amqp:internal-error');
    expect(error.message).not.toContain('hunter2');
    expect(conditionOf({ condition: 'a' })).toBe('a');
    expect(conditionOf('text')).toBeUndefined();
  });
});
