import type {
  Address,
  Capabilities,
  CloseOptions,
  DeliveryHandler,
  HealthStatus,
  Message,
  SubscribeOptions,
  Subscription,
  Transport,
} from '@polybus/core';
import type { ZmqTransport } from '../src/index.js';

/**
 * Test harness for PUSH/PULL, whose endpoint has no topics: a Transport that gives every string
 * address its own real ZeroMQ transport (its own endpoint, made by `create`) and passes `''` to it,
 * so the conformance suite's "addresses are isolated" holds as it would with one endpoint per
 * address in a real deployment. Any other address goes, unchanged, to a transport of its own (the
 * adapter then judges it).
 */
export class EndpointPerAddress implements Transport {
  readonly scheme = 'zmq+tcp';
  readonly capabilities: Capabilities;
  readonly #create: () => ZmqTransport;
  readonly #inner = new Map<string, Promise<ZmqTransport>>();

  constructor(create: () => ZmqTransport) {
    this.#create = create;
    this.capabilities = create().capabilities;
  }

  async connect(): Promise<void> {}

  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    const [t, inner] = await this.#route(address);
    await t.publish(inner, messages);
  }

  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    const [t, inner] = await this.#route(address);
    return t.subscribe(inner, handler, options);
  }

  health(): HealthStatus {
    return { state: 'up' };
  }

  async close(options?: CloseOptions): Promise<void> {
    const all = await Promise.all(this.#inner.values());
    await Promise.all(all.map((t) => t.close(options)));
  }

  async #route(address: Address): Promise<[ZmqTransport, Address]> {
    const key = typeof address === 'string' ? address : JSON.stringify(address);
    let t = this.#inner.get(key);
    if (!t) {
      const created = this.#create();
      t = created.connect().then(() => created);
      this.#inner.set(key, t);
    }
    return [await t, typeof address === 'string' ? '' : address];
  }
}
