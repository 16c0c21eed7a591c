/**
 * How one protocol binding carries a CloudEvent in binary mode, expressed in polybus headers (the
 * canonical names adapters map their native properties to). Structured mode is the same everywhere:
 * the JSON event format as the body and `content-type: application/cloudevents+json`.
 */
export interface CloudEventsBinding {
  /** Binding name, for docs and errors. */
  readonly name: string;
  /** Prefix of attribute headers written (`ce_` for Kafka, `cloudEvents:` for AMQP, `ce-` for NATS). */
  readonly prefix: string;
  /** Further prefixes accepted when reading (AMQP's `cloudEvents_`). */
  readonly readPrefixes: readonly string[];
  /** `datacontenttype` travels as the `content-type` header (true), or as a prefixed attribute. */
  readonly contentTypeHeader: boolean;
  /** Header values percent-encoded as the NATS binding requires. */
  readonly percentEncoded: boolean;
  /** Header names compared case-insensitively (NATS). */
  readonly caseInsensitive: boolean;
  /** The message key is the `partitionkey` extension (Kafka). */
  readonly keyIsPartitionKey: boolean;
}

const binding = (b: Partial<CloudEventsBinding> & Pick<CloudEventsBinding, 'name' | 'prefix'>) =>
  Object.freeze({
    readPrefixes: [b.prefix],
    contentTypeHeader: true,
    percentEncoded: false,
    caseInsensitive: false,
    keyIsPartitionKey: false,
    ...b,
  });

/** The bindings polybus implements, by name. */
export const CLOUD_EVENTS_BINDINGS = Object.freeze({
  /** Kafka protocol binding: `ce_` headers, `content-type`, key = `partitionkey`. */
  kafka: binding({ name: 'kafka', prefix: 'ce_', keyIsPartitionKey: true }),
  /** AMQP binding (1.0; also used for 0-9-1 header tables): `cloudEvents:` application properties. */
  amqp: binding({ name: 'amqp', prefix: 'cloudEvents:', readPrefixes: ['cloudEvents:', 'cloudEvents_'] }),
  /** NATS binding: `ce-` headers (case-insensitive, percent-encoded), `ce-datacontenttype`. */
  nats: binding({
    name: 'nats',
    prefix: 'ce-',
    contentTypeHeader: false,
    percentEncoded: true,
    caseInsensitive: true,
  }),
  /** MQTT 5 binding: attributes as user properties named as the attributes, `content-type`. */
  mqtt: binding({ name: 'mqtt', prefix: '' }),
  /**
   * Brokers without a CloudEvents binding (Redis Streams, RocketMQ, ZeroMQ, memory, stdio): polybus
   * uses the Kafka binding's `ce_` headers, so events keep their shape on the way to Kafka and back.
   */
  headers: binding({ name: 'headers', prefix: 'ce_' }),
});

/** Name of a binding in {@link CLOUD_EVENTS_BINDINGS}. */
export type CloudEventsBindingName = keyof typeof CLOUD_EVENTS_BINDINGS;

const BY_SCHEME: Readonly<Record<string, CloudEventsBindingName>> = {
  kafka: 'kafka',
  kafkas: 'kafka',
  amqp: 'amqp',
  amqps: 'amqp',
  amqp1: 'amqp',
  amqps1: 'amqp',
  nats: 'nats',
  tls: 'nats',
  mqtt: 'mqtt',
  mqtts: 'mqtt',
  ws: 'mqtt',
  wss: 'mqtt',
};

/** The binding a connection of URL scheme `scheme` uses (the `headers` binding when none is defined). */
export function cloudEventsBindingFor(scheme: string): CloudEventsBinding {
  return CLOUD_EVENTS_BINDINGS[BY_SCHEME[scheme.toLowerCase()] ?? 'headers'];
}
