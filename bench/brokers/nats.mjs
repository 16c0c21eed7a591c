import { AckPolicy, connect, DeliverPolicy, StorageType } from 'nats';

/** Raw nats.js access for the benchmark: JetStream streams, load, sink consumer and the pipe ends. */
const SERVER = '127.0.0.1:4222';
const FILL_WINDOW = 1000;

/** JetStream stream and subject of a benchmark name (`bench-x-y` -> stream `bench-x-y`, subject `bench-x-y`). */
function names(name) {
  return { stream: name.replace(/[^A-Za-z0-9_-]/g, '_'), subject: name.replace(/[^A-Za-z0-9_-]/g, '_') };
}

export const natsBroker = {
  name: 'nats',
  product: 'NATS server',
  label: 'NATS JetStream',
  url: `nats://${SERVER}`,

  bridgeSource: (name) => ({ ...names(name), group: 'bench', startFrom: 'earliest' }),
  bridgeSink: (name) => names(name),

  async admin() {
    const nc = await connect({ servers: SERVER, name: 'polybus-bench-admin' });
    const jsm = await nc.jetstreamManager();
    return {
      async prepare(name) {
        const { stream, subject } = names(name);
        await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
      },
      async cleanup(name) {
        await jsm.streams.delete(names(name).stream).catch(() => undefined);
      },
      async version() {
        return nc.info?.version ?? 'unknown';
      },
      close: () => nc.close(),
    };
  },

  async producer() {
    const nc = await connect({ servers: SERVER, name: 'polybus-bench-load' });
    const js = nc.jetstream();
    return {
      async send(name, bodies) {
        const { subject } = names(name);
        for (let i = 0; i < bodies.length; i += FILL_WINDOW) {
          await Promise.all(bodies.slice(i, i + FILL_WINDOW).map((body) => js.publish(subject, body)));
        }
      },
      close: () => nc.close(),
    };
  },

  /** Reads the stream from its start with an ordered consumer. */
  async collect(name, onBody) {
    const nc = await connect({ servers: SERVER, name: 'polybus-bench-collect' });
    const js = nc.jetstream();
    const consumer = await js.consumers.get(names(name).stream);
    const messages = await consumer.consume({ max_messages: 2000 });
    const loop = (async () => {
      for await (const m of messages)
        onBody(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    })();
    return {
      async close() {
        await messages.close().catch(() => undefined);
        await loop.catch(() => undefined);
        await nc.close();
      },
    };
  },

  /**
   * Baseline source: a durable pull consumer (explicit ack), at most `maxInFlight` unacked; ack once
   * `handle` resolved, nak otherwise.
   */
  async source(name, maxInFlight, handle) {
    const nc = await connect({ servers: SERVER, name: 'polybus-bench-pipe-source' });
    const { stream } = names(name);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: 'bench-pipe',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: maxInFlight,
    });
    const consumer = await nc.jetstream().consumers.get(stream, 'bench-pipe');
    const messages = await consumer.consume({ max_messages: maxInFlight });
    const loop = (async () => {
      for await (const m of messages) {
        handle(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)).then(
          () => m.ack(),
          () => m.nak(),
        );
      }
    })();
    return {
      async close() {
        await messages.close().catch(() => undefined);
        await loop.catch(() => undefined);
        await nc.drain();
      },
    };
  },

  /** Baseline sink: JetStream publish, resolved by the PubAck. */
  async sink(name) {
    const nc = await connect({ servers: SERVER, name: 'polybus-bench-pipe-sink' });
    const js = nc.jetstream();
    const { subject } = names(name);
    return {
      publish: (body) => js.publish(subject, body),
      close: () => nc.drain(),
    };
  },
};
