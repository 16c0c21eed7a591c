import { silentLogger } from '@polybus/core';
import mqtt from 'mqtt';
import { mqttOptionsSchema } from '../src/mqtt-options.js';
import { MqttTransport } from '../src/mqtt-transport.js';

/** The shared Mosquitto of the machine (scripts/brokers.sh starts one where there is none). */
export const MQTT_HOST = '127.0.0.1';
export const MQTT_PORT = 1883;
export const MQTT_URL = `mqtt://${MQTT_HOST}:${MQTT_PORT}`;

/** A test transport; test group sessions expire after 10 minutes so the shared broker sheds them. */
export function mqttTransport(options: Record<string, unknown> = {}, url = MQTT_URL): MqttTransport {
  return new MqttTransport(
    url,
    mqttOptionsSchema.parse({ sessionExpirySeconds: 600, ...options }),
    silentLogger,
  );
}

/**
 * Resolves once a QoS 1 publish to `topic` finds a subscriber (PUBACK reason code other than 0x10 "no
 * matching subscribers"), publishing a small probe every 100 ms; rejects after `timeoutMs`. The probes
 * reach the subscribers like any other message (body `probe`).
 */
export async function untilSubscribed(url: string, topic: string, timeoutMs = 30_000): Promise<void> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 100 });
  let matched = false;
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback' && (packet.reasonCode ?? 0) !== 0x10) matched = true;
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (!matched) {
      if (Date.now() > deadline) throw new Error(`no subscriber on ${topic} within ${timeoutMs} ms`);
      await client.publishAsync(topic, 'probe', { qos: 1 });
      if (!matched) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.endAsync(true);
  }
}
