import { ConnectionError, createMessage, DataError, silentLogger } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { FailurePolicy } from './failure-policy.js';
import { MessageFailure } from './message-failure.js';
import { RouteMetrics } from './route-metrics.js';
import { createSink } from './sink.js';
import { SinkPublisher } from './sink-publisher.js';
import { fakeDelivery } from './test/fake-delivery.js';
import { FakeSink } from './test/fake-sink.js';

const retry = { maxAttempts: 2, initialDelay: 100, maxDelay: 100 };

function setup(options: { deadLetter?: boolean; nackDelay?: boolean } = {}) {
  const dlq = new FakeSink();
  const abort = new AbortController();
  const metrics = new RouteMetrics(createMetrics({ processMetrics: false }), 'r', []);
  const policy = new FailurePolicy({
    route: 'r',
    sourceLabel: 'src/in',
    deadLetter: options.deadLetter
      ? createSink(new Map([['dlq', dlq]]), { connection: 'dlq', address: 'dead' }, -1)
      : undefined,
    publisher: new SinkPublisher({
      route: 'r',
      retry: { ...retry, initialDelay: 1, maxDelay: 1 },
      signal: abort.signal,
      logger: silentLogger,
    }),
    retry,
    sourceNackDelay: () => options.nackDelay ?? false,
    signal: abort.signal,
    metrics,
    logger: silentLogger,
  });
  return { dlq, abort, metrics, policy };
}

const message = createMessage({ id: 'm1', body: 'payload', headers: { h: '1' } });
const dataFailure = new MessageFailure(new DataError('bad json'), 'message', 'transform', 1);
const sinkDown = new MessageFailure(new ConnectionError('down'), 'transport', 'publish', 2);

describe('FailurePolicy', () => {
  it('dead-letters the original message with why, where and attempts, and says ack', async () => {
    const { dlq, metrics, policy } = setup({ deadLetter: true });
    const delivery = fakeDelivery(message);
    expect(await policy.decide(delivery, sinkDown)).toEqual({ action: 'ack', outcome: 'dead-lettered' });
    expect(dlq.published).toHaveLength(1);
    expect(dlq.published[0]?.headers).toMatchObject({
      h: '1',
      'x-polybus-route': 'r',
      'x-polybus-source': 'src/in',
      'x-polybus-attempts': '2',
      'x-polybus-error': 'down',
    });
    expect(delivery.settles).toEqual([]);
    expect(metrics.counters.errors).toBe(1);
  });

  it('says nack (requeue) when there is no dead-letter target, with a delay only if the source has one', async () => {
    const plain = setup();
    expect(await plain.policy.decide(fakeDelivery(message), dataFailure)).toEqual({ action: 'nack' });
    const delayed = setup({ nackDelay: true });
    const verdict = await delayed.policy.decide(fakeDelivery(message, 1), dataFailure);
    expect(verdict.action).toBe('nack');
    // backoff of attempt 1 with the route's retry config: 100 ms, half of it jittered.
    const delayMs = verdict.action === 'nack' ? (verdict.delayMs ?? -1) : -1;
    expect(delayMs).toBeGreaterThanOrEqual(50);
    expect(delayMs).toBeLessThanOrEqual(100);
  });

  it('says nack when the dead-letter publish fails too, counting both failures', async () => {
    const { dlq, metrics, policy } = setup({ deadLetter: true });
    dlq.behaviour = async () => {
      throw new ConnectionError('dlq down');
    };
    expect(await policy.decide(fakeDelivery(message), dataFailure)).toEqual({ action: 'nack' });
    expect(dlq.calls).toBe(2);
    expect(metrics.counters.errors).toBe(2);
  });

  it('leaves a transport failure unsettled once the shutdown timeout ended, but not a message fault', async () => {
    const { abort, dlq, policy } = setup({ deadLetter: true });
    abort.abort();
    expect(await policy.decide(fakeDelivery(message), sinkDown)).toEqual({ action: 'leave' });
    expect(await policy.decide(fakeDelivery(message), dataFailure)).toEqual({ action: 'nack' });
    expect(dlq.calls).toBe(0);
  });
});
