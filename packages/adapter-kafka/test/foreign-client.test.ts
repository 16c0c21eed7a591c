import { spawn, spawnSync } from 'node:child_process';
import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '../src/index.js';
import { createTestTransport, createTopic, KAFKA_HOST, KAFKA_PORT, rawAdmin } from './helpers.js';

/**
 * Interop with a client that is not polybus/kafkajs: kcat (librdkafka), from Debian's `kcat`
 * package. librdkafka's `murmur2_random` partitioner is the Java client's default partitioner for
 * keyed records, so agreeing with it proves Java compatibility.
 */
const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);
const hasKcat = spawnSync('kcat', ['-V']).status === 0;
if (up && !hasKcat) {
  const hint = 'kcat is not installed; bash scripts/brokers.sh up installs it (or: apt-get install -y kcat)';
  if (process.env.POLYBUS_REQUIRE_BROKERS === '1') throw new Error(`required tool missing: ${hint}`);
  console.warn(`[polybus] skipping kafka foreign-client tests: ${hint}`);
}
const BROKER = `${KAFKA_HOST}:${KAFKA_PORT}`;

function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', BROKER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** Reads a whole topic with kcat: one `key<TAB>partition` line per record. */
async function partitionsByKey(topic: string): Promise<Map<string, number>> {
  const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%p\n']);
  const map = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [key, partition] = line.split('\t');
    map.set(key!, Number(partition));
  }
  return map;
}

describe.runIf(up && hasKcat)('kafka interop with kcat (librdkafka)', () => {
  const admin = rawAdmin();
  let transport: KafkaTransport;
  beforeAll(async () => {
    await admin.connect();
    transport = createTestTransport();
    await transport.connect();
  });
  afterAll(async () => {
    await transport.close({ timeoutMs: 1_000 });
    await admin.disconnect();
  });

  it('reads a kcat record with its key, headers and body intact', async () => {
    const topic = await createTopic(admin, uniqueName('foreign-in'), 3);
    const collector = new Collector();
    await transport.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g-foreign') },
    );
    const before = Date.now();
    await kcat(
      [
        '-P',
        '-t',
        topic,
        '-K',
        '|',
        '-H',
        'content-type=application/json',
        '-H',
        'x-trace=abc-123',
        '-H',
        'x-note=grüße ✓',
      ],
      'order-7|{"n":1}\n',
    );
    await kcat(
      ['-P', '-t', topic, '-K', '|', '-H', 'message-id=foreign-id-1', '-H', 'correlation-id=c-9'],
      'order-8|second\n',
    );
    await collector.waitFor(2, 30_000);
    const first = collector.deliveries.find((d) => d.message.key === 'order-7')!;
    const second = collector.deliveries.find((d) => d.message.key === 'order-8')!;
    expect(Buffer.from(first.message.body).toString()).toBe('{"n":1}');
    expect(first.message.headers).toEqual({
      'content-type': 'application/json',
      'x-trace': 'abc-123',
      'x-note': 'grüße ✓',
    });
    expect(first.message.id, 'foreign record without message-id gets a positional id').toBe(
      `${topic}-${first.source.partition}-${first.source.offset}`,
    );
    expect(first.message.timestamp).toBeGreaterThanOrEqual(before - 1_000);
    expect(first.message.timestamp).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(second.message.id).toBe('foreign-id-1');
    expect(second.message.headers).toEqual({ 'correlation-id': 'c-9' });
    expect(Buffer.from(second.message.body).toString()).toBe('second');
  });

  it('writes records kcat reads with key, headers, body and timestamp', async () => {
    const topic = await createTopic(admin, uniqueName('foreign-out'), 3);
    const m = createMessage({
      id: 'pb-id-1',
      key: 'cust-42',
      body: 'hello kcat',
      timestamp: 1_700_000_000_123,
      headers: { 'content-type': 'text/plain', 'x-user': 'yes' },
    });
    await transport.publish(topic, [m]);
    const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\n%h\n%s\n%T\n']);
    const [key, headers, body, timestamp] = out.split('\n');
    expect(key).toBe('cust-42');
    expect(body).toBe('hello kcat');
    expect(timestamp).toBe('1700000000123');
    expect(headers!.split(',').sort()).toEqual([
      'content-type=text/plain',
      'message-id=pb-id-1',
      'x-user=yes',
    ]);
  });

  it('puts keyed records on the partition the Java default partitioner (murmur2) chooses', async () => {
    const partitions = 6;
    const ours = await createTopic(admin, uniqueName('murmur-pb'), partitions);
    const theirs = await createTopic(admin, uniqueName('murmur-kcat'), partitions);
    const keys = [
      ...Array.from({ length: 200 }, (_, i) => `user-${i}`),
      'a',
      'Z',
      '0',
      'ключ',
      'キー',
      'emoji-🚀',
      'with space',
      'x'.repeat(300),
    ];
    await transport.publish(
      ours,
      keys.map((key) => createMessage({ key, body: 'v' })),
    );
    await kcat(
      ['-P', '-t', theirs, '-K', '\t', '-X', 'topic.partitioner=murmur2_random'],
      `${keys.map((k) => `${k}\tv`).join('\n')}\n`,
    );
    const pb = await partitionsByKey(ours);
    const rd = await partitionsByKey(theirs);
    expect(pb.size).toBe(keys.length);
    expect(rd.size).toBe(keys.length);
    const mismatches = keys.filter((k) => pb.get(k) !== rd.get(k));
    expect(mismatches).toEqual([]);
    expect(new Set(pb.values()).size, 'keys spread over every partition').toBe(partitions);
  });
});
