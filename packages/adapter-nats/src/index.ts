export { natsAdapter } from './nats-adapter.js';
export {
  hasWildcard,
  isValidSubject,
  type NatsAddress,
  natsAddressSchema,
  parseNatsAddress,
} from './nats-address.js';
export { coreCapabilities, jetStreamCapabilities } from './nats-capabilities.js';
export { fromNatsError } from './nats-errors.js';
export { fromNatsHeaders, NatsHeaderNames, toNatsHeaders } from './nats-headers.js';
export { durableNameFor, sanitizeName, streamNameFor } from './nats-names.js';
export {
  type NatsStreamOptions,
  type NatsTransportOptions,
  natsOptionsSchema,
  natsStreamOptionsSchema,
} from './nats-options.js';
export { NatsTransport } from './nats-transport.js';
export { parseNatsUrl } from './nats-url.js';
