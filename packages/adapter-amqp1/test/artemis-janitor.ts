import type { Connection, EventContext, Source } from 'rhea';
import rhea from 'rhea';
import { ARTEMIS_HOST, ARTEMIS_PORT } from './amqp1-test-env.js';

/**
 * Remembers the address names a test file used and, at the end, destroys the Artemis queues of
 * exactly those addresses (the address's own queue and its `<name>.<group>:global` subscriptions),
 * through Artemis management over AMQP (`activemq.management`). Names are unique per run, so nobody
 * else uses them; without this the local broker would keep every durable test subscription forever.
 */
export class ArtemisJanitor {
  readonly #names = new Set<string>();

  /** Notes `name` and returns it. */
  name(name: string): string {
    this.#names.add(name);
    return name;
  }

  /** Destroys the queues of every noted address. Never rejects (a leftover is not a test failure). */
  async clean(): Promise<void> {
    if (this.#names.size === 0) return;
    const names = [...this.#names];
    this.#names.clear();
    await withManagement(async (call) => {
      const queues = (await call('getQueueNames', [])) as string[];
      const ours = queues.filter((q) => names.some((n) => q === n || q.startsWith(`${n}.`)));
      for (const q of ours) await call('destroyQueue', [q, true, true]).catch(() => undefined);
    }).catch(() => undefined);
  }
}

type ManagementCall = (operation: string, args: unknown[]) => Promise<unknown>;

/** Opens a connection, runs `body` with a management call function, closes. */
async function withManagement(body: (call: ManagementCall) => Promise<void>): Promise<void> {
  const container = rhea.create_container();
  container.on('error', () => undefined);
  const connection: Connection = container.connect({
    host: ARTEMIS_HOST,
    port: ARTEMIS_PORT,
    username: 'artemis',
    password: 'artemis',
    reconnect: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('connection_open', () => resolve());
      connection.once('disconnected', (c: EventContext) => reject(c.error ?? new Error('disconnected')));
    });
    const replies = connection.open_receiver({ source: { dynamic: true } as Source });
    const replyTo = await new Promise<string>((resolve) =>
      replies.once('receiver_open', (c: EventContext) => resolve(String(c.receiver?.source?.address))),
    );
    const sender = connection.open_sender('activemq.management');
    await new Promise<void>((resolve) => sender.once('sendable', () => resolve()));
    // calls are made one at a time, so a reply answers the oldest waiting call
    const waiting: Array<{ resolve(v: unknown): void; reject(e: Error): void }> = [];
    replies.on('message', (c: EventContext) => {
      const w = waiting.shift();
      if (!w) return;
      const ok = c.message?.application_properties?._AMQ_OperationSucceeded === true;
      let result: unknown = c.message?.body;
      try {
        const parsed = JSON.parse(String(result)) as unknown;
        result = Array.isArray(parsed) ? parsed[0] : parsed;
      } catch {
        // not JSON (a void operation): keep the raw body
      }
      if (ok) w.resolve(result);
      else w.reject(new Error(String(result)));
    });
    const call: ManagementCall = (operation, args) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        sender.send({
          reply_to: replyTo,
          application_properties: { _AMQ_ResourceName: 'broker', _AMQ_OperationName: operation },
          body: JSON.stringify(args),
        });
      });
    await body(call);
  } finally {
    connection.close();
  }
}
