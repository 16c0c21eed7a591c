import { describe, expect, it } from 'vitest';
import { createMessage } from '../message.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { SubscriptionLifecycle } from './subscription-lifecycle.js';

const init = (acks: string[]) => ({
  message: createMessage({ body: 'x' }),
  attempt: 1,
  source: { address: 'a' },
  ack: () => void acks.push('ack'),
  nack: () => void acks.push('nack'),
});

describe('SubscriptionLifecycle', () => {
  it('stops intake, drains, then releases and resolves closed with undefined', async () => {
    const steps: string[] = [];
    const tracker = new DeliveryTracker({ maxInFlight: 2 });
    const life = new SubscriptionLifecycle(tracker, {
      stopIntake: () => steps.push(`stop stopping=${tracker.stopping}`),
      release: ({ drained, error }) => void steps.push(`release drained=${drained} error=${String(error)}`),
    });
    const acks: string[] = [];
    const delivery = tracker.dispatch(() => undefined, init(acks));
    const closing = life.close({ timeoutMs: 5_000 });
    expect(life.ending).toBe(true);
    expect(steps).toEqual(['stop stopping=true']);
    await delivery.ack();
    await closing;
    expect(steps).toEqual(['stop stopping=true', 'release drained=true error=undefined']);
    expect(acks).toEqual(['ack']);
    expect(await life.closed).toBeUndefined();
  });

  it('abandons what is unsettled after the timeout: a late settle does nothing', async () => {
    const tracker = new DeliveryTracker({ maxInFlight: 1 });
    let drained: boolean | undefined;
    const life = new SubscriptionLifecycle(tracker, {
      release: (end) => {
        drained = end.drained;
      },
    });
    const acks: string[] = [];
    const delivery = tracker.dispatch(() => undefined, init(acks));
    await life.close({ timeoutMs: 10 });
    expect(drained).toBe(false);
    await delivery.ack();
    expect(acks).toEqual([]);
  });

  it('close and fail share one end: the first wins and later calls return its promise', async () => {
    const tracker = new DeliveryTracker({ maxInFlight: 1 });
    let releases = 0;
    const life = new SubscriptionLifecycle(tracker, { release: () => void releases++ });
    const fatal = new Error('gone');
    const first = life.fail(fatal);
    expect(life.close()).toBe(first);
    expect(life.fail(new Error('other'))).toBe(first);
    await first;
    expect(releases).toBe(1);
    expect(await life.closed).toBe(fatal);
  });

  it('fail does not wait for in-flight deliveries', async () => {
    const tracker = new DeliveryTracker({ maxInFlight: 1 });
    const life = new SubscriptionLifecycle(tracker);
    const acks: string[] = [];
    const delivery = tracker.dispatch(() => undefined, init(acks));
    await life.fail(new Error('gone'));
    await delivery.ack();
    expect(acks).toEqual([]);
  });

  it('never rejects: hook errors go to onReleaseError', async () => {
    const tracker = new DeliveryTracker({ maxInFlight: 1 });
    const seen: unknown[] = [];
    const life = new SubscriptionLifecycle(tracker, {
      stopIntake: () => {
        throw new Error('stop');
      },
      release: () => Promise.reject(new Error('release')),
      onReleaseError: (error) => seen.push((error as Error).message),
    });
    await expect(life.close()).resolves.toBeUndefined();
    expect(seen).toEqual(['stop', 'release']);
  });
});
