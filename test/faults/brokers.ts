import type { Address, Capabilities } from '@polybus/core';
import { createTopics } from '../../packages/adapter-rocketmq/test/rocketmq-test-env.js';

/**
 * The real brokers the fault suite drives, as source and as sink: the four shared ones, and Artemis
 * (AMQP 1.0) and RocketMQ, which only this suite and their adapters' tests use.
 */
export type BrokerName = 'amqp' | 'kafka' | 'redis' | 'nats' | 'amqp1' | 'rocketmq' | 'mqtt';

/** How the suite reaches one broker: URL, options, address keys, and the name `brokers.sh` knows it by. */
export interface BrokerSpec {
  readonly name: BrokerName;
  /** Name in `scripts/brokers.sh`. */
  readonly service: 'rabbitmq' | 'kafka' | 'redis' | 'nats' | 'artemis' | 'rocketmq' | 'mosquitto';
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Connection options for the bridge and the suite's own transports (short timeouts, so faults show quickly). */
  readonly options: Record<string, unknown>;
  /** Endpoint keys in the bridge YAML for a fresh name. */
  yaml(name: string): Record<string, string>;
  /** The same address for the suite's own transport. */
  address(name: string): Address;
  /** Whether a source of this broker delivers one message per key at a time in publish order. */
  readonly orderedPerKey: boolean;
  /**
   * Messages the broker keeps for a subscription whose consumer is away or behind before it drops more
   * (Mosquitto's `max_queued_messages`, 1000 by default on the shared instance): a producer feeding this
   * broker as a source stays within it of the sink (see `produceBehind`). Absent: no such limit.
   */
  readonly maxBacklog?: number;
  /** Creates what the names need before use (RocketMQ topics); absent when nothing is needed. */
  prepare?(names: readonly string[]): Promise<void>;
}

export const BROKERS: Readonly<Record<BrokerName, BrokerSpec>> = {
  amqp: {
    name: 'amqp',
    service: 'rabbitmq',
    host: '127.0.0.1',
    port: 5672,
    url: 'amqp://guest:guest@127.0.0.1:5672',
    options: {},
    yaml: (n) => ({ address: n }),
    address: (n) => n,
    orderedPerKey: false,
  },
  kafka: {
    name: 'kafka',
    service: 'kafka',
    host: '127.0.0.1',
    port: 9092,
    url: 'kafka://127.0.0.1:9092',
    options: {
      clientId: 'polybus-faults',
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      rebalanceTimeoutMs: 10000,
    },
    yaml: (n) => ({ topic: n }),
    address: (n) => ({ topic: n }),
    orderedPerKey: true,
  },
  redis: {
    name: 'redis',
    service: 'redis',
    host: '127.0.0.1',
    port: 6379,
    url: 'redis://127.0.0.1:6379',
    options: { claimIdleMs: 3000, blockMs: 1000 },
    yaml: (n) => ({ stream: n }),
    address: (n) => ({ stream: n }),
    orderedPerKey: false,
  },
  nats: {
    name: 'nats',
    service: 'nats',
    host: '127.0.0.1',
    port: 4222,
    url: 'nats://127.0.0.1:4222',
    options: { createStreams: true, ackWaitMs: 5000 },
    yaml: (n) => ({ subject: n }),
    address: (n) => ({ subject: n }),
    orderedPerKey: false,
  },
  amqp1: {
    name: 'amqp1',
    service: 'artemis',
    host: '127.0.0.1',
    port: 5673,
    url: 'amqp1://artemis:artemis@127.0.0.1:5673',
    options: {},
    // Topics: the sink reader's durable shared subscription exists before the bridge publishes.
    yaml: (n) => ({ topic: n }),
    address: (n) => ({ topic: n }),
    orderedPerKey: false,
  },
  rocketmq: {
    name: 'rocketmq',
    service: 'rocketmq',
    host: '127.0.0.1',
    port: 18081,
    url: 'rocketmq://127.0.0.1:18081',
    options: {},
    yaml: (n) => ({ topic: n }),
    address: (n) => ({ topic: n }),
    orderedPerKey: false,
    prepare: (names) => createTopics(names),
  },
  mqtt: {
    name: 'mqtt',
    service: 'mosquitto',
    host: '127.0.0.1',
    port: 1883,
    url: 'mqtt://127.0.0.1:1883',
    options: { reconnectPeriodMs: 500 },
    // MQTT 5, QoS 1: groups are shared subscriptions on persistent sessions
    yaml: (n) => ({ topic: n }),
    address: (n) => n,
    orderedPerKey: false,
    maxBacklog: 500,
  },
};

/** Every source broker, each paired with a different sink broker so every broker is also a sink once. */
export const PAIRS: readonly (readonly [BrokerName, BrokerName])[] = [
  ['amqp', 'kafka'],
  ['kafka', 'redis'],
  ['redis', 'nats'],
  ['nats', 'amqp'],
];

/**
 * Rows for the brokers only this suite restarts (Artemis, RocketMQ), paired with each other so their
 * scenarios never touch the shared brokers.
 */
export const NEW_PAIRS: readonly (readonly [BrokerName, BrokerName])[] = [
  ['amqp1', 'rocketmq'],
  ['rocketmq', 'amqp1'],
];

/**
 * MQTT rows (shared Mosquitto), paired with RabbitMQ, which no fault row restarts: the rows that do not
 * restart a broker (kill -9 of the bridge) can run beside the others.
 */
export const MQTT_PAIRS: readonly (readonly [BrokerName, BrokerName])[] = [
  ['mqtt', 'amqp'],
  ['amqp', 'mqtt'],
];

/** Runs `prepare` of both brokers of a pair for the route's source and sink names. */
export async function preparePair(from: BrokerName, to: BrokerName, name: string): Promise<void> {
  await BROKERS[from].prepare?.([`${name}-src`]);
  await BROKERS[to].prepare?.([`${name}-dst`]);
}

/** `capabilities` re-exported for scenario files that check a flag. */
export type { Capabilities };
