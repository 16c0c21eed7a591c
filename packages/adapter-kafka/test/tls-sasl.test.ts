import { inspect } from 'node:util';
import { ConnectionError, connect, createMessage, type DeliveryHandler, type Logger } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTransport, kafkaAdapter } from '../src/index.js';
import { bodyText, testLogger, testOptions } from './helpers.js';
import { type SecureKafka, secureKafkaAvailable, startSecureKafka } from './secure-kafka.js';

const available = secureKafkaAvailable();

describe.runIf(available)('kafka over TLS with SASL (own instance on 19092)', () => {
  let kafka: SecureKafka;
  const open: KafkaTransport[] = [];

  beforeAll(async () => {
    kafka = await startSecureKafka();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 1_000 })));
    await kafka?.stop();
  }, 60_000);

  const transport = (overrides: Partial<typeof testOptions>, logger: Logger = testLogger): KafkaTransport => {
    const t = new KafkaTransport(kafka.url, { ...testOptions, ...overrides }, logger);
    open.push(t);
    return t;
  };

  for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'] as const) {
    it(`connects with the right CA and ${mechanism}, publishes and consumes`, async () => {
      const t = transport({
        tls: { ca: kafka.caPath, rejectUnauthorized: true },
        sasl: { mechanism, ...kafka.user },
      });
      await t.connect();
      const topic = uniqueName(`tls-${mechanism}`);
      const got = new Collector();
      const group = uniqueName('g');
      const collectAndAck: DeliveryHandler = (d) => {
        got.push(d);
        return d.ack();
      };
      await t.subscribe(topic, collectAndAck, { group });
      const sent = ['one', 'two', 'three'].map((body) => createMessage({ body, key: 'k' }));
      await t.publish(topic, sent);
      await got.waitFor(sent.length, 60_000);
      expect(got.ids()).toEqual(sent.map((m) => m.id));
      expect(got.deliveries.map(bodyText)).toEqual(['one', 'two', 'three']);
      expect(t.health().state).toBe('up');
    }, 120_000);
  }

  it('a kafkas:// URL reaches the adapter through connect() (scheme alias) and turns TLS on', async () => {
    const bus = await connect(kafka.url, {
      adapters: [kafkaAdapter],
      options: {
        ...testOptions,
        tls: { ca: kafka.caPath },
        sasl: { mechanism: 'scram-sha-256', ...kafka.user },
      },
    });
    try {
      const topic = uniqueName('tls-bus');
      const [sent] = await bus.publish(topic, { body: 'via kafkas' });
      expect(sent?.id).toBeTypeOf('string');
    } finally {
      await bus.close();
    }
    // Without a CA the system CAs do not know the throwaway one: TLS is really on.
    const plainCa = transport({ retries: 1, sasl: { mechanism: 'scram-sha-256', ...kafka.user } });
    const refused = await plainCa.connect().catch((e: unknown) => e);
    expect((refused as ConnectionError).details?.reason, String(refused)).toBe('tls');
  }, 120_000);

  it('refuses a broker whose certificate a wrong CA did not sign', async () => {
    const t = transport({
      retries: 1,
      tls: { ca: kafka.wrongCaPath, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-256', ...kafka.user },
    });
    const error = await t.connect().catch((e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(ConnectionError);
    const refused = error as ConnectionError;
    expect(refused.retriable).toBe(false);
    expect(refused.details?.reason).toBe('tls');
    expect(refused.message).toMatch(/certificate/);
    expect(refused.message).not.toContain(kafka.user.password);
  }, 120_000);

  it('refuses a wrong password with a typed, non-retriable error naming neither the password nor the URL', async () => {
    const wrong = `${kafka.user.password}-wrong`;
    const logged: string[] = [];
    const log = (object: object, message: string): void => {
      logged.push(`${message} ${inspect(object, { depth: 8 })}`);
    };
    const t = transport(
      {
        retries: 1,
        tls: { ca: kafka.caPath, rejectUnauthorized: true },
        sasl: { mechanism: 'scram-sha-512', username: kafka.user.username, password: wrong },
      },
      { debug: log, info: log, warn: log, error: log },
    );
    const error = await t.connect().catch((e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(ConnectionError);
    const refused = error as ConnectionError;
    expect(refused.retriable).toBe(false);
    expect(refused.details?.reason).toBe('authentication');
    expect(refused.message).toMatch(/authentication/i);
    for (const secret of [wrong, kafka.user.password, kafka.url]) {
      expect(refused.message).not.toContain(secret);
      expect(JSON.stringify(refused.toJSON())).not.toContain(secret);
    }
    // What the transport logged while refused (kafkajs's own log lines included) holds no password.
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.includes(wrong))).toEqual([]);
  }, 120_000);
});
