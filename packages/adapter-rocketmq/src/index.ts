export { clientLogger } from './client-logger.js';
export { LeaseBook } from './lease-book.js';
export { rocketmqAdapter } from './rocketmq-adapter.js';
export {
  filterExpressionOf,
  parsePublishAddress,
  parseRocketmqAddress,
  type RocketmqAddress,
  rocketmqAddressSchema,
} from './rocketmq-address.js';
export { type ReceivingConsumer, SimpleReceivingConsumer } from './rocketmq-consumer.js';
export { fromRocketmqConnectError, fromRocketmqError } from './rocketmq-errors.js';
export {
  EMPTY_BODY_PROPERTY,
  fromMessageView,
  MAX_BODY_BYTES,
  MESSAGE_ID_PROPERTY,
  TIMESTAMP_PROPERTY,
  toRocketmqMessage,
} from './rocketmq-message.js';
export { type RocketmqTransportOptions, rocketmqOptionsSchema } from './rocketmq-options.js';
export { RocketmqSubscription } from './rocketmq-subscription.js';
export { RocketmqTransport, rocketmqCapabilities } from './rocketmq-transport.js';
export { parseRocketmqUrl, type RocketmqUrl } from './rocketmq-url.js';
