/**
 * `@polybus/core/adapter-kit`: what an adapter author needs and an application does not. Build a
 * subscription on {@link DeliveryTracker} (bounded in-flight, settle-once deliveries) and
 * {@link SubscriptionLifecycle} (close once, drain, abandon, fatal end); order per key with
 * {@link KeyedQueue}; bridge a push-only at-most-once source with {@link AtMostOnceBuffer}; retry with
 * {@link backoffDelay}; bring health back to `up` after an outage with {@link RecoveryProbe}; bound a wait for a reply with {@link withDeadline}; classify failures with {@link failureKind}. The conformance suite
 * (`@polybus/core/testing`) is the adapter's test. See docs/writing-an-adapter.md.
 */

export type { FailureKind } from '../failure.js';
export { failureKind, isMessageFault } from '../failure.js';
export type { AtMostOnceBufferOptions } from './at-most-once-buffer.js';
export { AtMostOnceBuffer } from './at-most-once-buffer.js';
export type { BackoffOptions } from './backoff.js';
export { backoffDelay, delay } from './backoff.js';
export { withDeadline } from './deadline.js';
export type { DeliveryInit, DeliveryTrackerOptions } from './delivery-tracker.js';
export { DeliveryTracker } from './delivery-tracker.js';
export {
  BASE64_HEADER_PREFIX,
  checkOutgoingHeader,
  checkOutgoingHeaders,
  headerNameFromBytes,
  headerTextFromBytes,
  headerTextFromString,
  isValidHeaderName,
  isValidHeaderValue,
} from './header-policy.js';
export type { ItemOutcome } from './isolate-message-faults.js';
export { sendIsolatingMessageFaults } from './isolate-message-faults.js';
export type { QueueEntry } from './keyed-queue.js';
export { KeyedQueue } from './keyed-queue.js';
export { expirationHeaderMs, priorityHeader } from './numeric-headers.js';
export { once } from './once.js';
export type { RecoveryProbeOptions } from './recovery-probe.js';
export { RecoveryProbe } from './recovery-probe.js';
export type { ResolvedSubscribeOptions, SubscribeLimits } from './subscribe-options.js';
export { DEFAULT_MAX_IN_FLIGHT, resolveSubscribeOptions } from './subscribe-options.js';
export type { SubscriptionEnd, SubscriptionEndHooks } from './subscription-lifecycle.js';
export { DEFAULT_CLOSE_TIMEOUT_MS, SubscriptionLifecycle } from './subscription-lifecycle.js';
export type { TlsOptions } from './tls-options.js';
export {
  isTlsClientCertificateRefused,
  isTlsVerificationError,
  isTlsVerificationText,
  nodeTlsOptions,
  readOptionFile,
  tlsOptionsSchema,
} from './tls-options.js';
