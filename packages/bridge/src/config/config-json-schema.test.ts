import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadBrokerAdapters } from '../adapter-loader.js';
import { configJsonSchema } from './config-json-schema.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

/** The README's config block (the one saved as polybus.yaml). */
function readmeConfig(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```yaml\n(# polybus\.yaml:[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no polybus.yaml block');
  return block;
}

async function validator() {
  const schema = configJsonSchema(await loadBrokerAdapters());
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
}

type Endpoint = { anyOf: { title: string; properties: Record<string, unknown> }[] };

describe('configJsonSchema', () => {
  it('lists, per connection kind, the address keys of every endpoint', async () => {
    const schema = configJsonSchema(await loadBrokerAdapters()) as {
      properties: {
        routes: { items: { properties: { from: Endpoint; to: { items: Endpoint }; deadLetter: Endpoint } } };
      };
    };
    const route = schema.properties.routes.items.properties;
    const titles = (endpoint: Endpoint) => endpoint.anyOf.map((b) => b.title);
    const expected = [
      'memory: topic',
      'stdio: no address keys',
      'amqp | amqps: queue',
      'amqp | amqps: exchange, routingKey',
      'kafka | kafkas: topic',
      'redis | rediss: stream',
      'redis | rediss: channel',
      'nats: subject, stream, core',
      'mqtt | mqtts: topic, qos, retain',
      'amqp1 | amqps1: topic',
      'amqp1 | amqps1: queue',
      'zmq+tcp | zmq+ipc: topic, exact',
      'rocketmq | rocketmqs: topic, tag',
      'memory | stdio | amqp | amqps | kafka | kafkas | redis | rediss | nats | mqtt | mqtts | amqp1 | amqps1 | zmq+tcp | zmq+ipc | rocketmq | rocketmqs: address (a string)',
    ];
    expect(titles(route.from)).toEqual(expected);
    expect(titles(route.to.items)).toEqual(expected);
    expect(titles(route.deadLetter)).toEqual(expected);
    const amqpQueue = route.from.anyOf[2]?.properties ?? {};
    expect(Object.keys(amqpQueue)).toEqual(['connection', 'group', 'startFrom', 'cloudEvents', 'queue']);
    const sinkKeys = Object.keys(route.to.items.anyOf[2]?.properties ?? {});
    expect(sinkKeys).toEqual(['connection', 'when', 'cloudEvents', 'queue']);
  });

  it('accepts every example config and the README config as written', async () => {
    const schema = await validator();
    const files = readdirSync(EXAMPLES).filter(
      (f) => f.endsWith('.yaml') && !f.endsWith('.polybus-test.yaml'),
    );
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const result = schema.safeParse(parse(readFileSync(join(EXAMPLES, file), 'utf8')));
      expect(result.error?.issues, file).toBeUndefined();
    }
    expect(schema.safeParse(parse(readmeConfig())).error?.issues).toBeUndefined();
  });

  it('rejects an address key no adapter has, and one of another form', async () => {
    const schema = await validator();
    const config = (to: Record<string, unknown>) => ({
      connections: { a: 'memory://a' },
      routes: [{ name: 'r', from: { connection: 'a', topic: 'x' }, to: [to] }],
    });
    expect(schema.safeParse(config({ connection: 'a', topic: 'y' })).success).toBe(true);
    expect(schema.safeParse(config({ connection: 'a', topc: 'y' })).success).toBe(false);
    expect(schema.safeParse(config({ connection: 'a', queue: 'q', exchange: 'e' })).success).toBe(false);
    expect(schema.safeParse(config({ connection: 'a', address: 'y', topic: 'y' })).success).toBe(false);
  });
});
