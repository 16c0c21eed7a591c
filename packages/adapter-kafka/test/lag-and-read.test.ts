import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createMessage, type Delivery, isLagReporter, isMessageReader, type ReadRecord } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { createTopic, KAFKA_HOST, KAFKA_PORT, kafkaSuite } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);
const KAFKA_HOME = join(homedir(), '.cache/polybus/kafka-3.9.1');
const run = promisify(execFile);

/**
 * Per-partition LAG as Kafka's own `kafka-consumer-groups.sh --describe` prints it (the tool's class
 * from the local Kafka distribution's jars).
 */
async function toolLag(group: string, topic: string): Promise<Map<number, number>> {
  const { stdout } = await run(
    'java',
    [
      '-Xmx128m',
      '-cp',
      join(KAFKA_HOME, 'libs/*'),
      `-Dlog4j.configuration=file:${join(KAFKA_HOME, 'log4j.properties')}`,
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server',
      `${KAFKA_HOST}:${KAFKA_PORT}`,
      '--describe',
      '--group',
      group,
    ],
    { timeout: 60_000 },
  );
  const lags = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] === group && cols[1] === topic) lags.set(Number(cols[2]), Number(cols[5]));
  }
  return lags;
}

const PARTITIONS = 3;
const COUNT = 300;

describe.runIf(up)('kafka lag and read without consuming', () => {
  const { admin, transport } = kafkaSuite();

  it('lag equals kafka-consumer-groups while a backlog drains, and reaches 0', {
    timeout: 180_000,
  }, async () => {
    const topic = await createTopic(admin, uniqueName('lag'), PARTITIONS);
    const group = uniqueName('lag-group');
    const t = await transport();
    expect(isLagReporter(t)).toBe(true);
    await t.publish(
      topic,
      Array.from({ length: COUNT }, (_, i) =>
        createMessage({ id: `m${i}`, key: `k${i % 17}`, body: `b${i}` }),
      ),
    );
    const fresh = await t.lag(topic, group);
    expect(fresh).toMatchObject({ total: COUNT, groupExists: false });
    expect(fresh.parts.map((p) => p.name)).toEqual(['0', '1', '2']);

    // Drain part of the backlog: ack the first 120 deliveries, hold the rest unsettled.
    let acked = 0;
    let reached!: () => void;
    const enough = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const held: Delivery[] = [];
    const partial = await t.subscribe(
      topic,
      async (d) => {
        if (acked < 120) {
          acked++;
          await d.ack();
          if (acked === 120) reached();
        } else held.push(d);
      },
      { group, from: 'earliest', maxInFlight: 300 },
    );
    await enough;
    await partial.close({ timeoutMs: 500 });
    const mid = await t.lag(topic, group);
    const tool = await toolLag(group, topic);
    expect(mid.groupExists).toBe(true);
    expect(mid.total).toBeGreaterThanOrEqual(COUNT - 120);
    expect(mid.total).toBeLessThan(COUNT);
    expect(tool.size).toBe(PARTITIONS);
    for (const part of mid.parts) expect(part.total).toBe(tool.get(Number(part.name)));
    expect(mid.total).toBe([...tool.values()].reduce((a, b) => a + b, 0));

    // Drain the rest.
    let rest = 0;
    let done!: () => void;
    const drained = new Promise<void>((resolve) => {
      done = resolve;
    });
    const sub = await t.subscribe(
      topic,
      async (d) => {
        await d.ack();
        if (++rest === mid.total) done();
      },
      { group, maxInFlight: 64 },
    );
    await drained;
    await sub.close();
    const end = await t.lag(topic, group);
    expect(end.total).toBe(0);
    const toolEnd = await toolLag(group, topic);
    expect([...toolEnd.values()]).toEqual([0, 0, 0]);
  });

  it('reads every record up to the end captured at the start, without touching any group', {
    timeout: 120_000,
  }, async () => {
    const topic = await createTopic(admin, uniqueName('read'), PARTITIONS);
    const t = await transport();
    expect(isMessageReader(t)).toBe(true);
    await t.publish(
      topic,
      Array.from({ length: COUNT }, (_, i) =>
        createMessage({ id: `r${i}`, key: `k${i % 7}`, body: `b${i}` }),
      ),
    );
    const group = uniqueName('untouched');
    const before = await t.lag(topic, group);
    const got: ReadRecord[] = [];
    for await (const record of t.read(topic)) {
      if (got.length === 0) await t.publish(topic, [createMessage({ id: 'late', body: 'after start' })]);
      got.push(record);
    }
    expect(got).toHaveLength(COUNT);
    expect(new Set(got.map((r) => r.message.id)).size).toBe(COUNT);
    expect(got.some((r) => r.message.id === 'late')).toBe(false);
    for (const part of ['0', '1', '2']) {
      const offsets = got.filter((r) => r.part === part).map((r) => Number(r.position));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    // per key, read order equals publish order
    const k0 = got.filter((r) => r.message.key === 'k0').map((r) => Number(r.message.id.slice(1)));
    expect(k0).toEqual([...k0].sort((a, b) => a - b));
    const after = await t.lag(topic, group);
    expect(after.groupExists).toBe(before.groupExists);
    expect(after.total).toBe(COUNT + 1);

    // From a position, with a limit.
    const from: ReadRecord[] = [];
    for await (const record of t.read(topic, { from: '0:5,1:9999,2:9999' })) from.push(record);
    const p0 = got.filter((r) => r.part === '0').length;
    expect(from.every((r) => r.part === '0')).toBe(true);
    expect(from.map((r) => Number(r.position))).toEqual(from.map((_, i) => i + 5));
    expect(from.length).toBeGreaterThanOrEqual(p0 - 5); // + 1 when the late record went to partition 0
    const limited: ReadRecord[] = [];
    for await (const record of t.read(topic, { limit: 3 })) limited.push(record);
    expect(limited).toHaveLength(3);
  });
});
