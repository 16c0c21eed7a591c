import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT, rocketmqTransport, TopicPool } from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);

describe.runIf(up)('rocketmq leases', () => {
  it('a handler holding a message for 2.5 invisible durations keeps it: no member of the group gets it again', {
    timeout: 180_000,
  }, async () => {
    const leaseMs = 10_000; // the proxy's minimum
    const members = [
      rocketmqTransport({ invisibleDurationMs: leaseMs }),
      rocketmqTransport({ invisibleDurationMs: leaseMs }),
    ];
    await Promise.all(members.map((m) => m.connect()));
    const topic = await new TopicPool(1).topic();
    const group = uniqueName('glease').replace(/[^\w-]/g, '_');
    const deliveries = new Collector();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Both members hold what they get until released: were the lease not renewed, the message would
    // become visible after 10 s and be delivered a second time, to either member.
    const hold = async (d: Delivery) => {
      deliveries.push(d);
      await released;
      await d.ack();
    };
    const subscriptions = await Promise.all(members.map((m) => m.subscribe(topic, hold, { group })));
    const sent = createMessage({ body: 'long job' });
    await members[0]!.publish(topic, [sent]);
    await deliveries.waitFor(1, 60_000);
    // Absence cannot be awaited: hold for 2.5 leases, then settle.
    await new Promise((r) => setTimeout(r, leaseMs * 2.5));
    release();
    await Promise.all(subscriptions.map((s) => s.close()));
    expect(deliveries.deliveries.map((d) => [d.message.id, d.attempt])).toEqual([[sent.id, 1]]);
    await Promise.all(members.map((m) => m.close()));
  });
});
