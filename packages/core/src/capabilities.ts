/**
 * What an adapter truly guarantees. The conformance suite selects its tests from these flags and the
 * bridge reads them (e.g. to refuse `nack` delays a broker cannot honour). An adapter never claims a
 * flag its broker does not give: core NATS and Redis Pub/Sub are at-most-once and say so.
 */
export interface Capabilities {
  /**
   * At-least-once: the broker keeps a published message until a subscriber acks it, redelivers on
   * nack and redelivers what a closed or dead subscriber left unacked. False means at-most-once
   * (ack and nack are accepted and do nothing).
   */
  readonly persistent: boolean;
  /** Every group receives every message of an address; members of one group share them. */
  readonly consumerGroups: boolean;
  /** Messages with the same key reach a group's handlers in publish order (one at a time per key). */
  readonly orderedPerKey: boolean;
  /** `nack({ delayMs })` delays the redelivery by at least that long. */
  readonly nackDelay: boolean;
  /** A new group can start from the oldest retained message (`from: 'earliest'`). */
  readonly replay: boolean;
  /** User headers travel with the message. */
  readonly headers: boolean;
  /** Largest body, in bytes, the adapter accepts with its default configuration. */
  readonly maxMessageBytes: number;
}

/** Capabilities of a transport that promises nothing beyond delivery to live subscribers. */
export const AT_MOST_ONCE: Capabilities = Object.freeze({
  persistent: false,
  consumerGroups: false,
  orderedPerKey: false,
  nackDelay: false,
  replay: false,
  headers: true,
  maxMessageBytes: 1024 * 1024,
});
