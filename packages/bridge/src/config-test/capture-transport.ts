import {
  type Address,
  type Capabilities,
  type DeliveryHandler,
  describeAddress,
  type HealthStatus,
  type Message,
  type Subscription,
  type Transport,
} from '@polybus/core';

/**
 * An in-memory stand-in for a broker connection in `polybus test`: records what is published, by
 * address, and hands the route's handler to the test. Claims the capabilities of the adapter it
 * replaces (so size limits and nack delays behave as on the broker). Never fails.
 */
export class CaptureTransport implements Transport {
  readonly published = new Map<string, Message[]>();
  handler: DeliveryHandler | undefined;

  constructor(
    readonly scheme: string,
    readonly capabilities: Capabilities,
  ) {}

  async connect(): Promise<void> {}

  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    const key = describeAddress(address);
    this.published.set(key, [...(this.published.get(key) ?? []), ...messages]);
  }

  /** Messages published to `address`. */
  publishedTo(address: Address): Message[] {
    return this.published.get(describeAddress(address)) ?? [];
  }

  async subscribe(_address: Address, handler: DeliveryHandler): Promise<Subscription> {
    this.handler = handler;
    let end: (value: undefined) => void = () => undefined;
    const closed = new Promise<Error | undefined>((resolve) => {
      end = resolve;
    });
    return {
      inFlight: 0,
      closed,
      close: async () => end(undefined),
    };
  }

  health(): HealthStatus {
    return { state: 'up' };
  }

  async close(): Promise<void> {}
}
