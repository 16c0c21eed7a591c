import { silentLogger } from '@polybus/core';
import { AmqpTransport, amqpAdapter } from '../src/index.js';

/** The broker the tests use (`POLYBUS_AMQP_URL`, else the local RabbitMQ as guest). */
export const AMQP_URL = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A test transport with `options` (adapter options, validated), silent, not connected. */
export function createTestTransport(options: Record<string, unknown> = {}): AmqpTransport {
  return new AmqpTransport(AMQP_URL, amqpAdapter.optionsSchema.parse(options), silentLogger);
}

/**
 * Tracks the transports a test file opens: `open()` creates and connects one, `closeAll()` (for
 * `afterEach`) closes every one opened since the last call (500 ms each).
 */
export function transportTracker(): {
  open(options?: Record<string, unknown>): Promise<AmqpTransport>;
  closeAll(): Promise<void>;
} {
  const opened: AmqpTransport[] = [];
  return {
    async open(options = {}) {
      const t = createTestTransport(options);
      opened.push(t);
      await t.connect();
      return t;
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((t) => t.close({ timeoutMs: 500 })));
    },
  };
}
