export { amqpAdapter } from './amqp-adapter.js';
export type { AmqpTarget } from './amqp-address.js';
export { amqpAddressSchema, bindingPattern, groupQueueName, parseAmqpAddress } from './amqp-address.js';
export type { AmqpTransportOptions } from './amqp-options.js';
export { amqpOptionsSchema } from './amqp-options.js';
export { AmqpTransport, amqpCapabilities } from './amqp-transport.js';
export { AttemptTracker } from './attempt-tracker.js';
export {
  fromAmqpMessage,
  headerValueToString,
  KEY_HEADER,
  TIMESTAMP_MS_HEADER,
  toAmqpProperties,
} from './header-mapping.js';
export { routeOf } from './publish-route.js';
