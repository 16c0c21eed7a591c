import { defineAdapter } from '@polybus/core';
import { zmqAddressSchema } from './zmq-address.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type ZmqTransportOptions, zmqOptionsSchema } from './zmq-options.js';
import { ZmqTransport, zmqCapabilities } from './zmq-transport.js';

/**
 * The `zmq+tcp://host:port` and `zmq+ipc:///path` adapter: ZeroMQ PUB/SUB (topics, prefix filter)
 * or PUSH/PULL (work shared among pullers) on one endpoint, at-most-once. `create` does no I/O;
 * `connect()` binds what this side binds.
 */
export const zeromqAdapter = defineAdapter<ZmqTransportOptions>({
  scheme: 'zmq+tcp',
  aliases: ['zmq+ipc'],
  description: 'ZeroMQ PUB/SUB and PUSH/PULL sockets (brokerless, at-most-once), on zeromq.js v6',
  optionsSchema: zmqOptionsSchema,
  addressSchema: zmqAddressSchema,
  capabilities: zmqCapabilities(DEFAULT_MAX_MESSAGE_BYTES),
  create(url, options, { logger }) {
    return new ZmqTransport(url, options, logger);
  },
});
