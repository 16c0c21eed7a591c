export type { Address, AddressObject } from './address.js';
export { describeAddress } from './address.js';
export type { AtMostOnceBufferOptions } from './at-most-once-buffer.js';
export { AtMostOnceBuffer } from './at-most-once-buffer.js';
export type { BackoffOptions } from './backoff.js';
export { backoffDelay, delay } from './backoff.js';
export type { Capabilities } from './capabilities.js';
export { AT_MOST_ONCE } from './capabilities.js';
export type { Bus, BusSubscribeOptions, ConnectOptions } from './client.js';
export { autoAck, busOf, connect } from './client.js';
export type { DeliveryInit, DeliveryTrackerOptions } from './delivery-tracker.js';
export { DeliveryTracker } from './delivery-tracker.js';
export type { ErrorCode, PolybusErrorOptions } from './errors.js';
export {
  AddressError,
  BrokerError,
  ClosedError,
  ConfigError,
  ConnectionError,
  DataError,
  isPolybusError,
  MessageTooLargeError,
  NotConnectedError,
  PolybusError,
  PublishError,
  redactText,
  redactUrl,
  TimeoutError,
  toPolybusError,
  UnknownSchemeError,
  UnroutableError,
  UnsupportedError,
} from './errors.js';
export type { CanonicalHeaderName } from './headers.js';
export { CanonicalHeaders, POLYBUS_HEADER_PREFIX } from './headers.js';
export type { QueueEntry } from './keyed-queue.js';
export { KeyedQueue } from './keyed-queue.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { memoryAdapter, memoryOptionsSchema } from './memory/memory-adapter.js';
export { memoryAddressSchema, parseMemoryAddress } from './memory/memory-address.js';
export type { MemoryTransportOptions } from './memory/memory-transport.js';
export { MemoryTransport } from './memory/memory-transport.js';
export type { Message, MessageInput } from './message.js';
export { bodyBuffer, bodyText, createMessage, newMessageId } from './message.js';
export { once } from './once.js';
export type { AdapterContext, AdapterDescriptor } from './registry.js';
export {
  ADAPTER_DESCRIPTOR,
  AdapterRegistry,
  adapterModule,
  createRegistry,
  defineAdapter,
  formatIssues,
  schemeOf,
} from './registry.js';
export type {
  CloseOptions,
  Delivery,
  DeliveryHandler,
  DeliverySource,
  HealthStatus,
  NackOptions,
  Requester,
  SubscribeOptions,
  Subscription,
  Transport,
} from './transport.js';
export { capabilitiesOf, isRequester } from './transport.js';
