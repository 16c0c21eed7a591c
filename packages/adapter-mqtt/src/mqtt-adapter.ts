import { defineAdapter } from '@polybus/core';
import { mqttAddressSchema } from './mqtt-address.js';
import { mqttCapabilities } from './mqtt-capabilities.js';
import { type MqttTransportOptions, mqttOptionsSchema } from './mqtt-options.js';
import { MqttTransport } from './mqtt-transport.js';

/**
 * The `mqtt://[user:pass@]host[:port]` adapter (and `mqtts://`): MQTT 5 by default,
 * 3.1.1 with `protocolVersion: 4`. Topics and topic filters; groups as shared subscriptions on
 * persistent sessions. `create` does no I/O; `connect()` does.
 */
export const mqttAdapter = defineAdapter<MqttTransportOptions>({
  scheme: 'mqtt',
  aliases: ['mqtts'],
  description:
    'MQTT 5 / 3.1.1 (Mosquitto, EMQX, HiveMQ...): shared subscriptions on persistent sessions, on mqtt.js',
  optionsSchema: mqttOptionsSchema,
  addressSchema: mqttAddressSchema,
  capabilities: mqttCapabilities({ qos: 1, protocolVersion: 5 }, mqttOptionsSchema.parse({}).maxMessageBytes),
  create(url, options, { logger }) {
    return new MqttTransport(url, options, logger);
  },
});
