import { defineAdapter } from '@polybus/core';
import { rocketmqAddressSchema } from './rocketmq-address.js';
import { type RocketmqTransportOptions, rocketmqOptionsSchema } from './rocketmq-options.js';
import { RocketmqTransport, rocketmqCapabilities } from './rocketmq-transport.js';

/**
 * The `rocketmq[s]://[accessKey:secretKey@]proxy-host:port[,host:port]` adapter (Apache RocketMQ 5,
 * through its gRPC proxy). Addresses are topics, optionally with a tag. `create` does no I/O;
 * `connect()` does.
 */
export const rocketmqAdapter = defineAdapter<RocketmqTransportOptions>({
  scheme: 'rocketmq',
  aliases: ['rocketmqs'],
  description:
    'Apache RocketMQ 5 (topics, tags, consumer groups) through its gRPC proxy, on rocketmq-client-nodejs',
  optionsSchema: rocketmqOptionsSchema,
  addressSchema: rocketmqAddressSchema,
  capabilities: rocketmqCapabilities,
  create(url, options, { logger }) {
    return new RocketmqTransport(url, options, logger);
  },
});
