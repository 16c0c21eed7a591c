import { createBridgeRegistry } from '@polybus/bridge';
import type { Transport } from '@polybus/core';

/** Transports a test opens through the bridge's registry, closed together in `afterEach`. */
export class TransportPool {
  readonly #open: Transport[] = [];

  /** Creates and connects a transport for `url`; rejects if it cannot connect (it is still closed later). */
  async open(url: string, options: Record<string, unknown> = {}): Promise<Transport> {
    const transport = createBridgeRegistry().createTransport(url, options);
    this.#open.push(transport);
    await transport.connect();
    return transport;
  }

  /** Closes every transport opened so far (1 s each, errors ignored). Safe to call twice; never rejects. */
  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((t) => t.close({ timeoutMs: 1000 }).catch(() => undefined)));
  }
}
