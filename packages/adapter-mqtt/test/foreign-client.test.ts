import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createMessage, type Delivery } from '@polybus/core';
import { requireBroker } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { LineProcess } from './child-process.js';
import { MQTT_HOST, MQTT_PORT, mqttTransport } from './mqtt-test-env.js';

const run = promisify(execFile);
const up = await requireBroker('mosquitto', MQTT_HOST, MQTT_PORT);

/** Interop with Debian's mosquitto clients (a client nobody here wrote), MQTT 5, QoS 1, both ways. */
describe.skipIf(!up)('interop with mosquitto_pub / mosquitto_sub (MQTT 5)', () => {
  it('receives what mosquitto_pub sends: body, user properties, content type, response topic, correlation data', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `pb/interop/in/${id}`;
    const t = mqttTransport();
    try {
      await t.connect();
      const got: Delivery[] = [];
      let resolveArrived!: () => void;
      const arrived = new Promise<void>((resolve) => {
        resolveArrived = resolve;
      });
      // Resolves after SUBACK: from here on every publish reaches the subscription.
      await t.subscribe(topic, async (d) => {
        got.push(d);
        await d.ack();
        resolveArrived();
      });
      await run('mosquitto_pub', [
        ...['-h', MQTT_HOST, '-p', String(MQTT_PORT), '-V', 'mqttv5', '-q', '1', '-t', topic],
        ...['-m', `hällo ${id}`],
        ...['-D', 'PUBLISH', 'user-property', 'x-origin', 'mosquitto_pub'],
        ...['-D', 'PUBLISH', 'user-property', 'message-id', `foreign-${id}`],
        ...['-D', 'PUBLISH', 'content-type', 'text/plain; charset=utf-8'],
        ...['-D', 'PUBLISH', 'response-topic', `pb/interop/reply/${id}`],
        ...['-D', 'PUBLISH', 'correlation-data', `corr-${id}`],
      ]);
      await withTimeout(arrived, 30_000, 'message from mosquitto_pub did not arrive');
      expect(got).toHaveLength(1);
      const m = got[0]!.message;
      expect(m.id).toBe(`foreign-${id}`);
      expect(Buffer.from(m.body).toString('utf8')).toBe(`hällo ${id}`);
      expect(m.headers).toEqual({
        'x-origin': 'mosquitto_pub',
        'content-type': 'text/plain; charset=utf-8',
        'reply-to': `pb/interop/reply/${id}`,
        'correlation-id': `corr-${id}`,
      });
    } finally {
      await t.close();
    }
  });

  it('header policy: polybus refuses to send CR/LF in a user property (Mosquitto would drop the client)', async () => {
    const topic = `pb/interop/hostile/${randomUUID().slice(0, 8)}`;
    // Mosquitto itself disconnects a client that sends a control character in a user property, so
    // a publish with one would otherwise cost the connection: the adapter refuses it before sending.
    await expect(
      run('mosquitto_pub', [
        ...['-h', MQTT_HOST, '-p', String(MQTT_PORT), '-V', 'mqttv5', '-q', '1', '-t', topic, '-m', 'x'],
        ...['-D', 'PUBLISH', 'user-property', 'x-crlf', 'a\r\nInjected: 1'],
      ]),
    ).rejects.toThrow(/connection was lost/);
    const t = mqttTransport();
    try {
      await t.connect();
      const error = await t
        .publish(topic, [createMessage({ body: 'y', headers: { 'x-evil': 'a\nb' } })])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: 'DATA_INVALID', retriable: false });
      expect(t.health().state).toBe('up');
    } finally {
      await t.close();
    }
  });

  it('mosquitto_sub receives what the adapter publishes: body, user properties, content type, QoS 1', async () => {
    const id = randomUUID().slice(0, 8);
    const topic = `pb/interop/out/${id}`;
    // -C 1: exit after one message; -F: QoS, content type, user properties, response topic, payload.
    // stdbuf: mosquitto_sub's stdout is a pipe here; line buffering lets us see SUBACK as it happens.
    const sub = new LineProcess('stdbuf', [
      ...['-oL', 'mosquitto_sub'],
      ...['-h', MQTT_HOST, '-p', String(MQTT_PORT), '-V', 'mqttv5', '-q', '1', '-t', topic, '-C', '1'],
      ...['-F', 'qos=%q ct=%C rt=%R props=%P body=%p', '-d'],
    ]);
    try {
      await sub.waitForLine(/SUBACK/, 30_000);
      const t = mqttTransport();
      try {
        await t.connect();
        const m = createMessage({
          body: `grüße ${id}`,
          key: `k-${id}`,
          headers: { 'content-type': 'text/plain', 'reply-to': `pb/r/${id}`, 'x-a': 'b' },
        });
        await t.publish(topic, [m]);
        const line = await sub.waitForLine(/^qos=/, 30_000);
        expect(line).toMatch(/^qos=1 ct=text\/plain rt=pb\/r\/[0-9a-f]{8} props=/);
        expect(line).toContain(`message-id:${m.id}`);
        expect(line).toContain(`x-polybus-key:k-${id}`);
        expect(line).toContain('x-a:b');
        expect(line.endsWith(` body=grüße ${id}`)).toBe(true);
      } finally {
        await t.close();
      }
    } finally {
      await sub.kill('SIGTERM');
    }
  });
});

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(what)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
