import amqplib from 'amqplib';

/** RabbitMQ URL of the local test broker. */
export const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Runs `fn` on a short-lived raw amqplib confirm channel and waits for its publishes to be confirmed
 * (test setup only). A channel error (e.g. `checkQueue` on a missing queue) rejects `fn`'s promise;
 * the listeners keep amqplib from also raising it as an uncaught 'error' event.
 */
export async function withRabbit<T>(fn: (channel: amqplib.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(RABBIT_URL);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    const result = await fn(channel);
    await channel.waitForConfirms();
    return result;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Messages ready in `queue` (not counting unacked ones). */
export function readyCount(queue: string): Promise<number> {
  return withRabbit(async (ch) => (await ch.checkQueue(queue)).messageCount);
}
