import { randomUUID } from 'node:crypto';
import { createMessage, type Delivery } from '@polybus/core';
import { requireBroker } from '@polybus/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, LineProcess } from './child-process.js';
import { MQTT_HOST, MQTT_PORT, MQTT_URL, mqttTransport } from './mqtt-test-env.js';

const up = await requireBroker('mosquitto', MQTT_HOST, MQTT_PORT);

describe.skipIf(!up)('no PUBACK before the handler settles', () => {
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('a message received by a process killed -9 before settling is redelivered to the next member', async () => {
    const run = randomUUID().slice(0, 8);
    const topic = `pb/kill9/${run}`;
    const group = `g-${run}`;
    const memberId = `kill9-${run}`;

    const child = new LineProcess(process.execPath, [
      'test/fixtures/hold-without-settling.mjs',
      MQTT_URL,
      topic,
      group,
      memberId,
    ]);
    cleanup.push(() => child.kill('SIGKILL'));
    await child.waitForLine(/^READY$/, 30_000);

    const publisher = mqttTransport();
    cleanup.push(() => publisher.close());
    await publisher.connect();
    const sent = createMessage({ body: `kill -9 ${run}`, headers: { 'x-run': run } });
    await publisher.publish(topic, [sent]);

    // The child received it and holds it unsettled.
    expect(await child.waitForLine(/^GOT /, 30_000)).toBe(`GOT ${sent.id}`);
    await child.kill('SIGKILL');
    expect(child.child.signalCode).toBe('SIGKILL');

    // The same member of the same group resumes the session: the broker must resend the message.
    const next = mqttTransport({ memberId });
    cleanup.push(() => next.close());
    await next.connect();
    const got: Delivery[] = [];
    const arrived = new Promise<void>((resolve) => {
      void next.subscribe(
        topic,
        async (d) => {
          got.push(d);
          await d.ack();
          resolve();
        },
        { group },
      );
    });
    await Promise.race([
      arrived,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error('message was not redelivered: was it PUBACKed on receipt?')),
          30_000,
        ),
      ),
    ]);
    expect(got.map((d) => d.message.id)).toEqual([sent.id]);
    expect(Buffer.from(got[0]!.message.body).toString()).toBe(`kill -9 ${run}`);
    expect(got[0]!.message.headers['x-run']).toBe(run);
    expect(got[0]!.source.redelivered).toBe(true);
    expect(got[0]!.attempt).toBe(2);
  });
});
