import { silentLogger } from '@polybus/core';
import { connect } from 'nats';
import { NatsTransport, type NatsTransportOptions, natsOptionsSchema, streamNameFor } from '../src/index.js';

/** The local test server (scripts/brokers.sh). */
export const NATS_URL = 'nats://127.0.0.1:4222';

/** A new unconnected transport for the test server; streams are created on demand unless overridden. */
export function natsTransport(overrides: Partial<NatsTransportOptions> = {}): NatsTransport {
  const options = natsOptionsSchema.parse({ createStreams: true, stream: { storage: 'file' }, ...overrides });
  return new NatsTransport(NATS_URL, options, silentLogger);
}

/**
 * Remembers the streams a test file creates and deletes exactly those afterwards, so the shared
 * server does not pile up thousands of test streams (names are unique, so nobody else uses them).
 */
export class StreamJanitor {
  readonly #streams = new Set<string>();

  /** Notes the stream created on demand for `subject` and returns the subject. */
  subject(subject: string): string {
    this.#streams.add(streamNameFor(subject));
    return subject;
  }

  /** Notes a stream by name and returns the name. */
  stream(name: string): string {
    this.#streams.add(name);
    return name;
  }

  /** Deletes every noted stream (missing ones are fine). Never rejects. */
  async clean(): Promise<void> {
    if (this.#streams.size === 0) return;
    const nc = await connect({ servers: '127.0.0.1:4222' }).catch(() => undefined);
    if (!nc) return;
    try {
      const jsm = await nc.jetstreamManager();
      for (const name of this.#streams) await jsm.streams.delete(name).catch(() => undefined);
      this.#streams.clear();
    } finally {
      await nc.close();
    }
  }
}
