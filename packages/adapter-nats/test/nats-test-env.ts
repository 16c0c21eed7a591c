import { silentLogger } from '@polybus/core';
import { NatsTransport, type NatsTransportOptions, natsOptionsSchema } from '../src/index.js';

/** The local test server (scripts/brokers.sh). */
export const NATS_URL = 'nats://127.0.0.1:4222';

/** A new unconnected transport for the test server; streams are created on demand unless overridden. */
export function natsTransport(overrides: Partial<NatsTransportOptions> = {}): NatsTransport {
  const options = natsOptionsSchema.parse({ createStreams: true, stream: { storage: 'file' }, ...overrides });
  return new NatsTransport(NATS_URL, options, silentLogger);
}
