import { describeConformance, requireBroker } from '@polybus/core/testing';
import { MQTT_HOST, MQTT_PORT, mqttTransport } from './mqtt-test-env.js';

const up = await requireBroker('mosquitto', MQTT_HOST, MQTT_PORT);

if (up) {
  await describeConformance({
    name: 'mqtt 5 (QoS 1)',
    createTransport: () => mqttTransport(),
    address: (name) => `pb/conf/${name}`,
    invalidAddress: 'pb/+/not-a-topic-name',
    bulkCount: Number(process.env.POLYBUS_MQTT_BULK ?? 10_000),
  });
}
