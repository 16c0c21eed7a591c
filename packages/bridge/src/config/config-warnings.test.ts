import { createRegistry, memoryAdapter } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { configWarnings, type EndpointFacts } from './config-warnings.js';
import type { EndpointLike } from './endpoint.js';
import { parseConfig } from './load-config.js';

const registry = createRegistry(memoryAdapter, stdioAdapter);

const CONFIG = `connections:
  lossy: memory://lossy
  kept: memory://kept
  oneway: memory://oneway
  io: stdio://
routes:
  - name: from-lossy
    from: { connection: lossy, topic: in }
    to:
      - { connection: kept, topic: out }
  - name: to-lossy
    from: { connection: kept, topic: in, group: g }
    to:
      - { connection: lossy, topic: a }
      - { connection: kept, topic: b }
      - { connection: io }
  - name: no-replay
    from: { connection: oneway, topic: in, group: g2 }
    to:
      - { connection: kept, topic: c }
  - name: no-replay-written
    from: { connection: oneway, topic: in, group: g3, startFrom: latest }
    to:
      - { connection: kept, topic: d }
  - name: from-stdio
    from: { connection: io }
    to:
      - { connection: kept, topic: e }
`;

const { config } = parseConfig(CONFIG, 'w.yaml', { registry, env: {} });

/** Facts by connection name, as an adapter would report them (`oneway` stands for a RabbitMQ queue). */
const FACTS: Record<string, EndpointFacts> = {
  lossy: { scheme: 'zeromq', capabilities: { persistent: false, replay: false } },
  kept: { scheme: 'kafka', capabilities: { persistent: true, replay: true } },
  oneway: { scheme: 'amqp', capabilities: { persistent: true, replay: false } },
  io: { scheme: 'stdio', capabilities: { persistent: false, replay: false } },
};
const describeByConnection = (endpoint: EndpointLike) => FACTS[endpoint.connection];

describe('configWarnings', () => {
  it('lists at-most-once hops first, then sources that cannot replay, each with a stable code and path', () => {
    const warnings = configWarnings(config, describeByConnection);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['AT_MOST_ONCE_SOURCE', 'routes[0].from'],
      ['AT_MOST_ONCE_SINK', 'routes[1].to[0]'],
      ['SOURCE_CANNOT_REPLAY', 'routes[2].from'],
    ]);
  });

  it('keeps the texts validate has always printed', () => {
    const [source, sink, replay] = configWarnings(config, describeByConnection).map((w) => w.text);
    expect(source).toBe(
      'routes[0].from: route "from-lossy" reads from an at-most-once source (connection "lossy"): ' +
        'what is published while the bridge is down or reconnecting is lost, and a failed sink cannot be retried from the source; ' +
        '`startFrom: earliest` is refused for it (it cannot replay), a new route starts at the newest message',
    );
    expect(sink).toBe(
      'routes[1].to[0]: route "to-lossy" sends to an at-most-once sink (connection "lossy"): ' +
        'a message counts as delivered once handed to the client, and is lost if no receiver takes it',
    );
    expect(replay).toMatch(
      /^route no-replay: a new group g2 cannot start at the earliest message \(amqp cannot replay\): /,
    );
  });

  it('never warns about stdio://, nor about an endpoint whose facts are unknown', () => {
    const warnings = configWarnings(config, (e) =>
      e.connection === 'lossy' ? undefined : FACTS[e.connection],
    );
    expect(warnings.map((w) => w.code)).toEqual(['SOURCE_CANNOT_REPLAY']);
    expect(warnings.some((w) => w.text.includes('"io"'))).toBe(false);
  });

  it('gives nothing for a config of persistent, replayable endpoints', () => {
    expect(configWarnings(config, () => FACTS.kept)).toEqual([]);
  });
});
