import { connect } from 'node:net';

const PORTS = { kafka: 9092, amqp: 5672, redis: 6379, nats: 4222 };

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (up) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until every named broker accepts TCP connections (other engineers restart brokers while
 * the benchmark runs). Resolves with the seconds waited; rejects after `timeoutMs`.
 */
export async function waitForBrokers(names, timeoutMs = 180_000) {
  const started = Date.now();
  for (;;) {
    const up = await Promise.all(names.map((n) => portOpen(PORTS[n])));
    if (up.every(Boolean)) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `broker(s) down for ${timeoutMs / 1000} s: ${names.filter((_, i) => !up[i]).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
