import amqp from 'amqplib';

/** Raw amqplib access for the benchmark: queues, load, sink consumer and the baseline pipe ends. */
const URL = 'amqp://guest:guest@127.0.0.1:5672';
const FILL_BATCH = 1000;

/** Connects, with an error listener so a broker restart never crashes the harness. */
async function open() {
  const connection = await amqp.connect(URL);
  connection.on('error', () => undefined);
  return connection;
}

async function sendConfirmed(channel, queue, bodies) {
  for (let i = 0; i < bodies.length; i += FILL_BATCH) {
    for (const body of bodies.slice(i, i + FILL_BATCH)) {
      if (!channel.sendToQueue(queue, body, { persistent: true })) {
        await new Promise((resolve) => channel.once('drain', resolve));
      }
    }
    await channel.waitForConfirms();
  }
}

export const amqpBroker = {
  name: 'amqp',
  product: 'RabbitMQ',
  label: 'RabbitMQ',
  url: URL,

  bridgeSource: (name) => ({ queue: name }),
  bridgeSink: (name) => ({ queue: name }),

  async admin() {
    const connection = await open();
    const channel = await connection.createChannel();
    return {
      async prepare(name) {
        await channel.assertQueue(name, { durable: true });
      },
      async cleanup(name) {
        await channel.deleteQueue(name).catch(() => undefined);
      },
      async version() {
        return String(connection.connection.serverProperties?.version ?? 'unknown');
      },
      close: () => connection.close(),
    };
  },

  async producer() {
    const connection = await open();
    const channel = await connection.createConfirmChannel();
    return {
      send: (name, bodies) => sendConfirmed(channel, name, bodies),
      close: () => connection.close(),
    };
  },

  async collect(name, onBody) {
    const connection = await open();
    const channel = await connection.createChannel();
    await channel.consume(name, (msg) => msg && onBody(msg.content), { noAck: true });
    return { close: () => connection.close() };
  },

  /** Baseline source: prefetch = maxInFlight, ack each message once `handle` resolved, else nack. */
  async source(name, maxInFlight, handle) {
    const connection = await open();
    const channel = await connection.createChannel();
    await channel.prefetch(maxInFlight);
    await channel.consume(name, (msg) => {
      if (msg === null) return;
      handle(msg.content).then(
        () => channel.ack(msg),
        () => channel.nack(msg, false, true),
      );
    });
    return { close: () => connection.close() };
  },

  /** Baseline sink: persistent publish on a confirm channel, resolved by the broker's confirm. */
  async sink(name) {
    const connection = await open();
    const channel = await connection.createConfirmChannel();
    return {
      publish: (body) =>
        new Promise((resolve, reject) => {
          channel.sendToQueue(name, body, { persistent: true }, (error) =>
            error ? reject(error) : resolve(),
          );
        }),
      close: () => connection.close(),
    };
  },
};
