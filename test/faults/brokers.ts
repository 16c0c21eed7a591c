import type { Address, Capabilities } from '@polybus/core';

/** The four real brokers the fault suite drives, as source and as sink. */
export type BrokerName = 'amqp' | 'kafka' | 'redis' | 'nats';

/** How the suite reaches one broker: URL, options, address keys, and the name `brokers.sh` knows it by. */
export interface BrokerSpec {
  readonly name: BrokerName;
  /** Name in `scripts/brokers.sh`. */
  readonly service: 'rabbitmq' | 'kafka' | 'redis' | 'nats';
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
};

/** Every source broker, each paired with a different sink broker so every broker is also a sink once. */
export const PAIRS: readonly (readonly [BrokerName, BrokerName])[] = [
  ['amqp', 'kafka'],
  ['kafka', 'redis'],
  ['redis', 'nats'],
  ['nats', 'amqp'],
];

/** `capabilities` re-exported for scenario files that check a flag. */
export type { Capabilities };
