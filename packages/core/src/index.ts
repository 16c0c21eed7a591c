export type { Address, AddressObject } from './address.js';
export { describeAddress } from './address.js';
export type { Capabilities } from './capabilities.js';
export { AT_MOST_ONCE } from './capabilities.js';
export type { Bus, BusSubscribeOptions, ConnectOptions } from './client.js';
export { autoAck, busOf, connect } from './client.js';
export type {
  CloudEventAttributes,
  CloudEventRecord,
  CloudEventsBinding,
  CloudEventsBindingName,
  CloudEventsMode,
  ReadCloudEvent,
} from './cloudevents/index.js';
export {
  CLOUD_EVENTS_BINDINGS,
  CLOUD_EVENTS_SPEC_VERSION,
  cloudEventsBindingFor,
  convertCloudEvent,
  readCloudEvent,
  writeCloudEvent,
} from './cloudevents/index.js';
export type { ErrorCode, PolybusErrorOptions } from './errors.js';
export {
  AddressError,
  BrokerError,
  ClosedError,
  ConfigError,
  ConnectionError,
  DataError,
  isPolybusError,
  isSecretParam,
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
export type { FailureKind } from './failure.js';
export { failureKind, isMessageFault } from './failure.js';
export type { CanonicalHeaderName } from './headers.js';
export { CanonicalHeaders, POLYBUS_HEADER_PREFIX } from './headers.js';
export type { LagPart, LagReport, LagReporter } from './lag.js';
export { isDrained, isLagReporter, lagReport } from './lag.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { memoryAdapter, memoryOptionsSchema } from './memory/memory-adapter.js';
export { memoryAddressSchema, parseMemoryAddress } from './memory/memory-address.js';
export type { MemoryTransportOptions } from './memory/memory-transport.js';
export { MemoryTransport } from './memory/memory-transport.js';
export type { Message, MessageInput } from './message.js';
export { bodyBuffer, bodyText, createMessage, newMessageId } from './message.js';
export type { MessageReader, ReadOptions, ReadRecord } from './reader.js';
export { isMessageReader } from './reader.js';
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
export {
  headerGetter,
  headerSetter,
  MessagingTracer,
  messagingSystemOf,
  TRACER_NAME,
} from './tracing/index.js';
export type {
  CloseOptions,
  Delivery,
  DeliveryHandler,
  DeliverySource,
  HealthStatus,
  NackOptions,
  PublishSettled,
  Requester,
  StreamingPublisher,
  SubscribeOptions,
  Subscription,
  Transport,
} from './transport.js';
export { capabilitiesOf, isRequester, isStreamingPublisher } from './transport.js';
