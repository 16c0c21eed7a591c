export { amqp1Adapter } from './amqp1-adapter.js';
export {
  type Amqp1Address,
  amqp1AddressSchema,
  memberLinkName,
  parseAmqp1Address,
  subscriptionName,
} from './amqp1-address.js';
export { conditionOf, fromAmqp1Error } from './amqp1-errors.js';
export { type Amqp1TransportOptions, amqp1OptionsSchema } from './amqp1-options.js';
export { Amqp1Transport, amqp1Capabilities, amqp1QueueCapabilities } from './amqp1-transport.js';
export { type Amqp1Endpoint, parseAmqp1Url } from './amqp1-url.js';
export {
  amqpValueToString,
  bodyBytes,
  fromAmqp1Fields,
  SUBJECT_HEADER,
  toAmqp1Fields,
} from './header-mapping.js';
