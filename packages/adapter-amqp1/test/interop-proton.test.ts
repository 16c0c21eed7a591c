import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage, type Delivery } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Amqp1Transport } from '../src/index.js';
import { ARTEMIS_HOST, ARTEMIS_PORT, artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

/**
 * Interop with a client nobody here wrote: Apache Qpid Proton's Python binding (Debian's
 * python3-qpid-proton, installed by `scripts/brokers.sh up artemis`), both directions, with
 * properties, application properties and binary bodies.
 */
const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('./interop/proton_client.py', import.meta.url));
const CREDENTIALS = `${ARTEMIS_HOST}:${ARTEMIS_PORT} artemis artemis`;
const run = promisify(execFile);

async function protonAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return run(PYTHON, ['-c', 'import proton']).then(
    () => true,
    () => false,
  );
}

const up = await requireArtemis();
const proton = up && (await protonAvailable());
if (up && !proton) {
  if (process.env.POLYBUS_REQUIRE_BROKERS === '1')
    throw new Error('python3-qpid-proton is missing: run scripts/brokers.sh up artemis');
  console.warn('[polybus] skipping the Qpid Proton interop test: apt-get install python3-qpid-proton');
}

interface ProtonMessage {
  id: string | null;
  correlation_id: string | null;
  content_type: string | null;
  subject: string | null;
  group_id: string | null;
  durable: boolean;
  creation_time: number | null;
  properties: Record<string, string>;
  body_hex: string;
}

describe.runIf(proton)('interop with Qpid Proton (python3-qpid-proton)', () => {
  const open: Amqp1Transport[] = [];
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  });
  async function transport(): Promise<Amqp1Transport> {
    const t = artemisTransport();
    open.push(t);
    await t.connect();
    return t;
  }

  it('polybus publishes, Proton receives properties, application properties and bytes', async () => {
    const t = await transport();
    const queue = janitor.name(uniqueName('pbq.interop.out'));
    const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const sent = [
      createMessage({
        body,
        key: 'order-42',
        timestamp: 1_700_000_000_123,
        headers: {
          'correlation-id': 'corr-1',
          'content-type': 'application/octet-stream',
          subject: 'orders.created',
          'x-tenant': 'acme',
          'x-note': 'ünï ✓',
        },
      }),
      createMessage({ body: 'second', headers: { 'x-seq': '2' } }),
    ];
    await t.publish({ queue }, sent);
    const { stdout } = await run(PYTHON, [CLIENT, 'receive', CREDENTIALS, queue, '2', '20'], {
      timeout: 60_000,
    });
    const got = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ProtonMessage);
    expect(got).toHaveLength(2);
    const [first, second] = got as [ProtonMessage, ProtonMessage];
    expect(first.id).toBe(sent[0]!.id);
    expect(first.correlation_id).toBe('corr-1');
    expect(first.content_type).toBe('application/octet-stream');
    expect(first.subject).toBe('orders.created');
    expect(first.group_id).toBe('order-42');
    expect(first.durable).toBe(true);
    expect(first.creation_time).toBe(1_700_000_000_123);
    expect(first.properties).toEqual({ 'x-tenant': 'acme', 'x-note': 'ünï ✓' });
    expect(first.body_hex).toBe(body.toString('hex'));
    expect(second.id).toBe(sent[1]!.id);
    expect(Buffer.from(second.body_hex, 'hex').toString()).toBe('second');
    expect(second.properties).toEqual({ 'x-seq': '2' });
  });

  it('Proton publishes, a polybus group receives the same id, headers, key, timestamp and bytes', async () => {
    const t = await transport();
    const topic = janitor.name(uniqueName('pb.interop.in'));
    const collector = new Collector();
    // the group's durable subscription exists before Proton sends (an address with no queue drops)
    await t.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: 'interop' },
    );
    const binary = Buffer.from('00ff10e2829c', 'hex');
    const messages = [
      {
        id: 'proton-1',
        correlation_id: 'corr-py',
        content_type: 'application/json',
        subject: 'py.subject',
        group_id: 'key-py',
        creation_time: 1_700_000_111_222,
        properties: { 'x-from': 'proton', 'x-n': '7' },
        body_hex: binary.toString('hex'),
      },
      { id: 'proton-2', text: 'grüße as an amqp-value string', properties: {} },
    ];
    const { stdout } = await run(PYTHON, [CLIENT, 'send', CREDENTIALS, topic, JSON.stringify(messages)], {
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({ sent: 2 });
    await collector.waitFor(2, 30_000);
    const byId = new Map(collector.deliveries.map((d) => [d.message.id, d]));
    const first = byId.get('proton-1')!;
    expect(first.attempt).toBe(1);
    expect(Buffer.from(first.message.body).equals(binary)).toBe(true);
    expect(first.message.key).toBe('key-py');
    expect(first.message.timestamp).toBe(1_700_000_111_222);
    expect(first.message.headers).toMatchObject({
      'message-id': 'proton-1',
      'correlation-id': 'corr-py',
      'content-type': 'application/json',
      subject: 'py.subject',
      'x-from': 'proton',
      'x-n': '7',
    });
    const second = byId.get('proton-2')!;
    expect(Buffer.from(second.message.body).toString('utf8')).toBe('grüße as an amqp-value string');
  });
});
