import { Collector, expectCrlfHeaderRefused, uniqueName } from '@polybus/core/testing';
import rhea from 'rhea';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTEMIS_HOST, ARTEMIS_PORT, artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

/** Sends one message with `rhea` itself (a foreign producer) to `queue` and resolves once Artemis accepted it. */
function sendForeign(queue: string, message: Record<string, unknown>): Promise<void> {
  const container = rhea.create_container();
  return new Promise<void>((resolve, reject) => {
    const connection = container.connect({
      host: ARTEMIS_HOST,
      port: ARTEMIS_PORT,
      username: 'artemis',
      password: 'artemis',
      reconnect: false,
    });
    connection.on('connection_error', (c) => reject(c.error ?? new Error('connection error')));
    connection.on('disconnected', (c) => reject(c.error ?? new Error('disconnected')));
    const sender = connection.open_sender({ target: { address: queue } });
    sender.once('sendable', () => sender.send(message));
    sender.on('accepted', () => {
      connection.close();
      resolve();
    });
    sender.on('rejected', (c) => reject(new Error(`rejected: ${String(c.delivery.remote_state?.error)}`)));
  });
}

describe.runIf(up)('amqp1 header policy against Artemis', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('refuses a CR/LF header on publish (DataError naming it, nothing sent); reads a foreign binary or CR/LF value as base64', async () => {
    const t = artemisTransport();
    try {
      await t.connect();
      const queue = janitor.name(uniqueName('pbq.headers'));
      const collector = new Collector();
      await t.subscribe({ queue }, async (d) => {
        collector.push(d);
        await d.ack();
      });
      await expectCrlfHeaderRefused(t, { queue });

      const binary = Buffer.from([0xff, 0x00, 0xfe, 0x0a]);
      await sendForeign(queue, {
        message_id: 'foreign-1',
        body: rhea.message.data_section(Buffer.from('b')),
        subject: 'one\r\ntwo',
        application_properties: { bin: binary, crlf: 'a\r\nb', ok: 'v' },
      });
      await collector.waitFor(1, 15_000);
      expect(collector.deliveries.map((d) => d.message.id)).toEqual(['foreign-1']);
      const headers = collector.deliveries[0]!.message.headers;
      expect(headers.bin).toBe(`base64:${binary.toString('base64')}`);
      expect(headers.crlf).toBe(`base64:${Buffer.from('a\r\nb').toString('base64')}`);
      expect(headers.subject).toBe(`base64:${Buffer.from('one\r\ntwo').toString('base64')}`);
      expect(headers.ok).toBe('v');
    } finally {
      await t.close();
    }
  }, 60_000);
});
