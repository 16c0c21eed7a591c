import {
  type Address,
  type Delivery,
  type Logger,
  type SubscribeOptions,
  type Subscription,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { Collector } from '@polybus/core/testing';
import { ZmqTransport, type ZmqTransportOptions, zmqOptionsSchema } from '../src/index.js';

/** A transport on `url` with `options` validated (and defaulted) by the adapter's schema. */
export function zmqTransport(
  url: string,
  options: Partial<ZmqTransportOptions> = {},
  logger: Logger = silentLogger,
): ZmqTransport {
  return new ZmqTransport(url, zmqOptionsSchema.parse(options), logger);
}

/** Prints only warnings and errors (a subscription's loss counters log there), for suites that must not lose. */
export const lossLogger: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => console.warn(`[zmq warn] ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj, msg) => console.warn(`[zmq error] ${msg ?? ''} ${JSON.stringify(obj)}`),
};

/** Log lines a test can assert on. */
export class RecordingLogger implements Logger {
  readonly lines: Array<{ level: string; msg: string | undefined; obj: object }> = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', msg, obj });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', msg, obj });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', msg, obj });
  }
}

/** Transports a test file opened, closed after each test. */
export class OpenTransports {
  readonly #open: ZmqTransport[] = [];

  /** A connected transport (see {@link zmqTransport}), closed by {@link closeAll}. */
  async open(
    url: string,
    options: Partial<ZmqTransportOptions> = {},
    logger?: Logger,
  ): Promise<ZmqTransport> {
    const t = zmqTransport(url, options, logger);
    this.#open.push(t);
    await t.connect();
    return t;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  }
}

/** Subscribes with a handler that records every delivery in a Collector and then runs `onDelivery` (ack by default). */
export async function collect(
  t: Transport,
  address: Address,
  options: SubscribeOptions = {},
  onDelivery: (d: Delivery) => void | Promise<void> = (d) => d.ack(),
): Promise<{ collector: Collector; subscription: Subscription }> {
  const collector = new Collector();
  const subscription = await t.subscribe(
    address,
    async (d) => {
      collector.push(d);
      await onDelivery(d);
    },
    options,
  );
  return { collector, subscription };
}

/** The body of a delivery as text. */
export const text = (d: Delivery): string => Buffer.from(d.message.body).toString('utf8');
