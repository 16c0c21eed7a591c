export { SequenceGaps } from './sequence-gaps.js';
export { zeromqAdapter } from './zmq-adapter.js';
export { MAX_TOPIC_BYTES, parseZmqAddress, type ZmqAddress, zmqAddressSchema } from './zmq-address.js';
export {
  type DecodedFrames,
  decodeFrames,
  ENVELOPE_MAGIC,
  encodeFrames,
  MAX_HEADERS,
  MAX_METADATA_BYTES,
  type MalformedFrames,
  type SequenceStamp,
} from './zmq-envelope.js';
export { fromZmqError, zmqCode } from './zmq-errors.js';
export { DEFAULT_MAX_MESSAGE_BYTES, type ZmqTransportOptions, zmqOptionsSchema } from './zmq-options.js';
export { type ZmqSubscriptionStats, zmqSubscriptionStats } from './zmq-subscription.js';
export { ZmqTransport, zmqCapabilities } from './zmq-transport.js';
export { parseZmqUrl, ZMQ_SCHEMES, type ZmqEndpoint } from './zmq-url.js';
