import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP proxy in the test process between the bridge and one broker, to fault the sink without
 * touching the shared broker: delay the broker's replies (slow confirms), refuse and cut every
 * connection (broker down), or stop forwarding (frozen).
 */
export class TcpProxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #server: Server | undefined;
  #port = 0;
  #replyDelayMs = 0;
  #frozen = false;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Starts a proxy to host:port on a free local port. */
  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.up();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /**
   * Makes the broker's replies slow: each chunk it sends back leaves `ms` after the previous one (order
   * kept), so replies (confirms) come at most one chunk per `ms`. 0 turns it off.
   */
  delayReplies(ms: number): void {
    this.#replyDelayMs = ms;
  }

  /** (Re)opens the listening port (same port after {@link down}). Safe to call twice. */
  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Cuts every connection and refuses new ones until {@link up}. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Stops forwarding in both directions (connections stay open) until {@link thaw}. */
  freeze(): void {
    this.#frozen = true;
    for (const [a, b] of this.#pairs) {
      a.pause();
      b.pause();
    }
  }

  thaw(): void {
    this.#frozen = false;
    for (const [a, b] of this.#pairs) {
      a.resume();
      b.resume();
    }
  }

  /** Closes everything. */
  async close(): Promise<void> {
    await this.down();
  }

  #accept(client: Socket): void {
    this.accepted++;
    const upstream = tcpConnect({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => upstream.write(chunk));
    let lastAt = 0;
    upstream.on('data', (chunk) => {
      if (this.#replyDelayMs <= 0) {
        client.write(chunk);
        return;
      }
      const at = Math.max(Date.now(), lastAt) + this.#replyDelayMs;
      lastAt = at;
      setTimeout(() => client.write(chunk), at - Date.now());
    });
    if (this.#frozen) {
      client.pause();
      upstream.pause();
    }
  }
}
