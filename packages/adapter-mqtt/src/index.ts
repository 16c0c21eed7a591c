export { AttemptCounter } from './attempt-counter.js';
export { mqttAdapter } from './mqtt-adapter.js';
export {
  checkTopicFilter,
  checkTopicName,
  type MqttAddress,
  mqttAddressSchema,
  parseMqttAddress,
  sharedFilter,
  subscriptionTarget,
} from './mqtt-address.js';
export { mqttCapabilities } from './mqtt-capabilities.js';
export { groupClientId, SessionSlots } from './mqtt-client-id.js';
export { fromMqttError } from './mqtt-errors.js';
export { fromMqttPacket, MqttPropertyNames, toMqttProperties } from './mqtt-headers.js';
export { type MqttTransportOptions, mqttOptionsSchema } from './mqtt-options.js';
export { MqttSubscription } from './mqtt-subscription.js';
export { MqttTransport } from './mqtt-transport.js';
export { type MqttEndpoint, parseMqttUrl } from './mqtt-url.js';
