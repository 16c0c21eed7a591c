import { randomUUID } from 'node:crypto';
import { createMessage, type Delivery } from '@polybus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttTransport, untilSubscribed } from './mqtt-test-env.js';
import { OwnMosquitto } from './own-mosquitto.js';

/**
 * Restarts a Mosquitto of this test's own (port 18831, persistence in a temp dir) under a live group
 * subscription: what was published and not acked (in flight or still queued in the session) must
 * all arrive after the restart. Fails if unacked messages are lost (PUBACK too early, a clean session,
 * no resubscribe).
 */
describe('broker restart under a group subscription (own mosquitto)', () => {
  const broker = new OwnMosquitto(18831);
  beforeAll(() => broker.start(), 30_000);
  afterAll(() => broker.dispose());

  it('every published message not acked before the restart is delivered after it', async () => {
    const run = randomUUID().slice(0, 8);
    const topic = `pb/restart/${run}`;
    const group = `g-${run}`;
    const count = 50;

    const consumer = mqttTransport({ memberId: `restart-${run}`, reconnectPeriodMs: 200 }, broker.url);
    const publisher = mqttTransport({}, broker.url);
    try {
      await consumer.connect();
      await publisher.connect();
      let restarted = false;
      const held: Delivery[] = [];
      const acked = new Set<string>();
      let ackedAfterRestart = 0;
      let releaseAll!: () => void;
      const allAcked = new Promise<void>((resolve) => {
        releaseAll = resolve;
      });
      await consumer.subscribe(
        topic,
        async (d) => {
          if (!restarted) {
            held.push(d); // hold: never settled on the old connection
            return;
          }
          await d.ack();
          acked.add(d.message.id);
          ackedAfterRestart++;
          if (acked.size === count) releaseAll();
        },
        { group, maxInFlight: 5 },
      );

      const sent = Array.from({ length: count }, (_, i) =>
        createMessage({ body: `m${i}`, headers: { i: String(i) } }),
      );
      await publisher.publish(topic, sent);
      // 5 in flight, unsettled; the other 45 wait in the broker's session queue.
      const deadline = Date.now() + 30_000;
      while (held.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(held.length).toBe(5);

      await broker.stop();
      restarted = true;
      await broker.start();
      // The handler finishes the held ones late: acks of the old connection do nothing (the broker
      // redelivers them) but they free their slots.
      await Promise.all(held.map((d) => d.ack()));

      await Promise.race([
        allAcked,
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new Error(`only ${acked.size}/${count} arrived after the restart`)),
            60_000,
          ),
        ),
      ]);
      expect([...acked].sort()).toEqual(sent.map((m) => m.id).sort());
      expect(ackedAfterRestart).toBeGreaterThanOrEqual(count);
      // The held ones come back as redeliveries of the same ids.
      for (const d of held) expect(acked.has(d.message.id)).toBe(true);

      // The consumer subscribed again (Mosquitto 2.0 restores the session's queue but not its shared
      // subscription: see MqttSubscription#resubscribe), and the publisher's connection came back: a
      // publish after the restart is confirmed and arrives.
      await untilSubscribed(broker.url, topic);
      const after = createMessage({ body: 'after the restart' });
      const arrived = new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (acked.has(after.id)) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      });
      await publisher.publish(topic, [after]);

      await arrived;
      expect(publisher.health().state).toBe('up');
    } finally {
      await consumer.close({ timeoutMs: 1_000 });
      await publisher.close({ timeoutMs: 1_000 });
    }
  }, 120_000);
});
