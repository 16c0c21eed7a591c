import {
  type Address,
  AT_MOST_ONCE,
  type Capabilities,
  ConnectionError,
  type HealthStatus,
  type Message,
  type Transport,
} from '@polybus/core';

/** A sink transport whose publish outcome and health a test controls (for unit tests of the route). */
export class FakeSink implements Transport {
  readonly scheme = 'fake';
  readonly capabilities: Capabilities = { ...AT_MOST_ONCE, maxMessageBytes: 1000 };
  readonly published: Message[] = [];
  /** Every `publish` call's messages, in call order (failed calls too). */
  readonly batches: Message[][] = [];
  pending = 0;
  maxPending = 0;
  calls = 0;
  state: HealthStatus['state'] = 'up';
  /** Called per publish; may delay or throw. */
  behaviour: (messages: readonly Message[]) => Promise<void> = async () => undefined;
  async connect(): Promise<void> {}
  async publish(_address: Address, messages: readonly Message[]): Promise<void> {
    this.calls++;
    this.batches.push([...messages]);
    this.pending += messages.length;
    this.maxPending = Math.max(this.maxPending, this.pending);
    try {
      await this.behaviour(messages);
      this.published.push(...messages);
    } finally {
      this.pending -= messages.length;
    }
  }
  async subscribe(): Promise<never> {
    throw new ConnectionError('fake sink cannot subscribe');
  }
  health(): HealthStatus {
    return { state: this.state };
  }
  async close(): Promise<void> {}
}
