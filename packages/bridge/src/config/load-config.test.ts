// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references on purpose
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, memoryAdapter } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { ConfigFileError, formatProblem } from './config-problem.js';
import { connectionSchemes, loadConfig, parseConfig } from './load-config.js';

const registry = createRegistry(memoryAdapter, stdioAdapter);

const VALID = `connections:
  a: memory://a
  b: { url: memory://b, options: { maxQueuedPerGroup: 10 } }
routes:
  - name: r1
    from: { connection: a, topic: in, group: g }
    filter: body.total > 100
    transform:
      body: '{ "id": body.id }'
      headers: { x-origin: '"a"' }
      key: body.customer
    to:
      - { connection: b, topic: out }
      - { connection: b, topic: big, when: body.total > 1000 }
    retry: { maxAttempts: 3, initialDelay: 200ms, maxDelay: 10s }
    deadLetter: { connection: b, topic: dlq }
    maxInFlight: 8
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'p.yaml', { registry, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as ConfigFileError).problems.map(formatProblem);
  }
  throw new Error('expected the config to be invalid');
}

describe('parseConfig', () => {
  it('accepts a valid config and applies defaults and durations', () => {
    const { config } = parseConfig(VALID, 'p.yaml', { registry, env: {} });
    const route = config.routes[0];
    expect(route?.retry).toEqual({ maxAttempts: 3, initialDelay: 200, maxDelay: 10_000 });
    expect(route?.maxInFlight).toBe(8);
    expect(config.http).toEqual({
      enabled: true,
      host: '127.0.0.1',
      port: 9464,
      allowedHosts: [],
      maxConnections: 256,
      headersTimeout: 5_000,
      requestTimeout: 10_000,
      keepAliveTimeout: 5_000,
    });
    expect(config.shutdownTimeout).toBe(30_000);
  });

  it('reports an alias to an anchor never set as a config problem, not a ReferenceError', () => {
    expect(problems('connections: &a { a: memory://a }\nroutes: *b\n')).toEqual([
      expect.stringMatching(/^p\.yaml: \(root\): YAML: .*alias/),
    ]);
  });

  it('substitutes ${VAR} and ${VAR:-default} before validating (numbers too)', () => {
    const text = `connections: { a: "memory://\${NAME}" }
http: { port: "\${PORT:-9999}" }
routes: [{ name: r, from: { connection: a, topic: x }, to: [{ connection: a, topic: "\${OUT:-y}" }] }]`;
    const { config } = parseConfig(text, 'p.yaml', { registry, env: { NAME: 'n1' } });
    expect(config.connections.a).toEqual({ url: 'memory://n1', options: {} });
    expect(config.http.port).toBe(9999);
    expect(config.routes[0]?.to[0]?.topic).toBe('y');
  });

  it('names file, line and path of a missing variable', () => {
    const text = `connections:\n  a: memory://a\nroutes:\n  - name: r\n    from: { connection: a, topic: "\${TOPIC}" }\n    to: [{ connection: a, topic: y }]\n`;
    expect(problems(text)).toEqual([
      'p.yaml:5: routes[0].from.topic: environment variable TOPIC is not set (use ${TOPIC:-default} for a default)',
    ]);
  });

  it('rejects unknown keys with their line', () => {
    const text = VALID.replace('    maxInFlight: 8', '    maxInFlight: 8\n    retries: 3');
    expect(problems(text)).toEqual(['p.yaml:18: routes[0].retries: unknown key']);
  });

  it('reports a missing required key at the path of the key', () => {
    const text = `connections: { a: memory://a }\nroutes:\n  - name: r\n    from: { connection: a, topic: x }\n`;
    expect(problems(text)).toEqual(['p.yaml:3: routes[0].to: required']);
  });

  it("validates addresses with the adapter's schema, with the sink's path", () => {
    const text = VALID.replace('{ connection: b, topic: out }', '{ connection: b, subject: out }');
    const found = problems(text);
    expect(found).toEqual([
      'p.yaml:13: routes[0].to[0].topic: required',
      'p.yaml:13: routes[0].to[0].subject: unknown key',
    ]);
  });

  it('names native address keys written beside a string `address` as unknown, where they are', () => {
    const text = VALID.replace('{ connection: b, topic: out }', '{ connection: b, address: out, topic: x }');
    expect(problems(text)).toEqual([
      'p.yaml:13: routes[0].to[0].topic: unknown key (the address is given as `address`; use one or the other)',
    ]);
  });

  it('reports an unknown connection, an unknown scheme and invalid adapter options', () => {
    const text = `connections:
  a: memory://a
  k: nosuch://h
  m: { url: memory://m, options: { maxQueuedPerGroup: -1 } }
routes:
  - name: r
    from: { connection: a, topic: x }
    to: [{ connection: zz, topic: y }]
`;
    const found = problems(text);
    expect(found).toContain(
      'p.yaml:3: connections.k: no adapter registered for scheme "nosuch:" (registered: memory:, stdio:)',
    );
    expect(found.some((p) => p.startsWith('p.yaml:4: connections.m.options.maxQueuedPerGroup:'))).toBe(true);
    expect(
      found.some((p) => p.startsWith('p.yaml:8: routes[0].to[0].connection: unknown connection "zz"')),
    ).toBe(true);
  });

  it('reports JSONata syntax errors, self-loops, groups without consumer groups and duplicate names', () => {
    const text = `connections: { a: memory://a, io: stdio:// }
routes:
  - name: r
    from: { connection: a, topic: x }
    filter: "body.total >"
    to: [{ connection: a, topic: x }]
  - name: r
    from: { connection: io, group: g }
    to: [{ connection: a, topic: y, when: "(" }]
`;
    const found = problems(text);
    expect(found.some((p) => p.startsWith('p.yaml:5: routes[0].filter: invalid JSONata expression'))).toBe(
      true,
    );
    expect(found).toContain('p.yaml:6: routes[0].to[0]: a route must not send to its own source address');
    expect(found).toContain('p.yaml:7: routes[1].name: duplicate route name "r"');
    expect(found).toContain('p.yaml:8: routes[1].from.group: stdio connections have no consumer groups');
    expect(
      found.some((p) => p.startsWith('p.yaml:9: routes[1].to[0].when: invalid JSONata expression')),
    ).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const found = problems('connections:\n  a: [memory://a\nroutes: []\n');
    expect(found[0]).toMatch(/^p\.yaml:\d+: \(root\): YAML: /);
  });

  it('never echoes a password from a URL', () => {
    const found = problems(
      `connections: { a: "nosuch://user:hunter2@h" }\nroutes: [{ name: r, from: { connection: a, topic: x }, to: [{ connection: a, topic: y }] }]`,
    );
    expect(found.join('\n')).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  it('reads a file, and reports a missing one as a config problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-config-'));
    const file = join(dir, 'polybus.yaml');
    writeFileSync(file, VALID);
    await expect(loadConfig(file, { registry, env: {} })).resolves.toMatchObject({ file });
    await expect(loadConfig(join(dir, 'nope.yaml'), { registry })).rejects.toMatchObject({
      problems: [{ path: '(root)', message: 'file not found' }],
    });
  });

  it('asks a registry function for the schemes the connections name (after substitution) and returns its registry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polybus-config-'));
    const file = join(dir, 'polybus.yaml');
    writeFileSync(file, VALID.replace('a: memory://a', 'a: ${A_URL}'));
    const asked: string[][] = [];
    const loaded = await loadConfig(file, {
      env: { A_URL: 'MEMORY://a' },
      registry: async (schemes) => {
        asked.push([...schemes]);
        return registry;
      },
    });
    expect(asked).toEqual([['memory']]);
    expect(loaded.registry).toBe(registry);
    expect(loaded.config.routes.map((r) => r.name)).toEqual(['r1']);
  });
});

describe('connectionSchemes', () => {
  it('reads the scheme of every URL, string or { url }, lower-case', () => {
    const text = 'connections:\n  a: AMQP://h\n  b: { url: "kafka://k:9092" }\n  c: memory://x\n';
    expect([...connectionSchemes(text, {})].sort()).toEqual(['amqp', 'kafka', 'memory']);
  });

  it('gives what it can read from a config with problems, and never throws', () => {
    expect([...connectionSchemes('connections:\n  a: no-url\n  b: { url: 3 }\n  c: nats://n\n', {})]).toEqual(
      ['nats'],
    );
    expect([...connectionSchemes('connections: [ {', {})]).toEqual([]);
    expect([...connectionSchemes('connections: 3', {})]).toEqual([]);
    expect([...connectionSchemes('', {})]).toEqual([]);
  });

  it('parses dedupe and ledger, and refuses seed: sink where the first sink cannot be read back', () => {
    const route = (dedupe: string) => `connections:
  a: memory://a
routes:
  - name: r1
    from: { connection: a, topic: in, group: g }
    to: [{ connection: a, topic: out }]
    dedupe: ${dedupe}
    ledger: { path: r1.ledger }
`;
    const { config } = parseConfig(route('{ window: 5m, seed: none }'), 'p.yaml', { registry, env: {} });
    expect(config.routes[0]?.dedupe).toEqual({ window: 300_000, count: 100_000, key: 'id', seed: 'none' });
    expect(config.routes[0]?.ledger).toEqual({ path: 'r1.ledger' });
    expect(problems(route('{ window: 5m }'))).toEqual([
      'p.yaml:7: routes[0].dedupe.seed: the first sink (memory) cannot be read back to seed the window after a restart; write seed: none to dedupe within one process only',
    ]);
    expect(problems(route('{ count: 0 }'))[0]).toContain('routes[0].dedupe.count');
  });
});
