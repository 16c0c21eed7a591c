import { randomUUID } from 'node:crypto';
import { createMessage, type Delivery } from '@polybus/core';
import { requireBroker } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { MQTT_HOST, MQTT_PORT, mqttTransport } from './mqtt-test-env.js';

const up = await requireBroker('mosquitto', MQTT_HOST, MQTT_PORT);

/** MQTT 3.1.1 (`protocolVersion: 4`): bodies, groups and redelivery; no headers, no key, no id. */
describe.skipIf(!up)('MQTT 3.1.1', () => {
  it('declares no headers and keeps bodies byte-exact through a shared subscription; nack redelivers', async () => {
    const run = randomUUID().slice(0, 8);
    const topic = `pb/v4/${run}`;
    const t = mqttTransport({ protocolVersion: 4 });
    try {
      expect(t.capabilities.headers).toBe(false);
      expect(t.capabilities.persistent).toBe(true);
      await t.connect();
      const got: Delivery[] = [];
      let nacked = false;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      await t.subscribe(
        topic,
        async (d) => {
          got.push(d);
          if (!nacked) {
            nacked = true;
            await d.nack();
            return;
          }
          await d.ack();
          if (got.length === 4) done();
        },
        { group: `g-${run}`, maxInFlight: 1 },
      );
      const bodies = [new Uint8Array([0, 255, 1, 254]), new Uint8Array(0), new TextEncoder().encode('ü')];
      await t.publish(
        topic,
        bodies.map((body) => createMessage({ body, key: 'dropped', headers: { 'x-dropped': '1' } })),
      );
      await Promise.race([
        finished,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`got ${got.length}/4`)), 30_000)),
      ]);
      // The first one was nacked and came back (DUP) before the rest: 4 deliveries for 3 messages.
      const received = got.map((d) => Buffer.from(d.message.body).toString('hex'));
      expect(received[0]).toBe(received[1]);
      expect(got[1]!.attempt).toBe(2);
      expect(got[1]!.source.redelivered).toBe(true);
      expect(new Set(received)).toEqual(new Set(bodies.map((b) => Buffer.from(b).toString('hex'))));
      for (const d of got) {
        expect(d.message.headers).toEqual({});
        expect(d.message.key).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });
});
