import { createMessage } from '@polybus/core';
import { DeliveryTracker } from '@polybus/core/adapter-kit';
import { describe, expect, it } from 'vitest';
import { RecordDelivery, type RecordSettler } from './record-delivery.js';

describe('RecordDelivery', () => {
  const calls: string[] = [];
  const settler: RecordSettler<string> = {
    acked: (record, generation) => calls.push(`ack ${record}@${generation}`),
    nacked: (record, generation, delayMs) => calls.push(`nack ${record}@${generation} +${delayMs}`),
  };
  const message = createMessage({ id: 'm', body: new Uint8Array([1]) });
  const source = { address: { raw: 't' }, partition: 0, offset: '5' } as never;

  it('settles through the DeliveryTracker once, with its record and generation', async () => {
    calls.length = 0;
    const tracker = new DeliveryTracker({ maxInFlight: 4 });
    const acked = tracker.dispatch(() => undefined, new RecordDelivery(settler, 'r1', 3, message, 1, source));
    const nacked = tracker.dispatch(
      () => undefined,
      new RecordDelivery(settler, 'r2', 4, message, 2, source),
    );
    expect(acked.message).toBe(message);
    expect(nacked.attempt).toBe(2);
    expect(acked.source).toBe(source);
    await acked.ack();
    await acked.nack();
    await nacked.nack({ delayMs: 250 });
    await nacked.ack();
    expect(calls).toEqual(['ack r1@3', 'nack r2@4 +250']);
    expect(tracker.inFlight).toBe(0);
  });

  it('passes the tracker default delay (0) for a nack without options', async () => {
    calls.length = 0;
    const tracker = new DeliveryTracker({ maxInFlight: 1 });
    const d = tracker.dispatch(() => undefined, new RecordDelivery(settler, 'r3', 1, message, 1, source));
    const { nack } = d;
    await nack();
    expect(calls).toEqual(['nack r3@1 +0']);
  });
});
