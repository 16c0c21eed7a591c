import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BridgeProcess, ROOT, runCli, writeConfig } from './helpers/bridge-process.js';

const VALID = `connections:
  a: memory://cli
  io: stdio://
routes:
  - name: r
    from: { connection: io }
    to:
      - { connection: a, topic: out }
`;

describe('polybus validate', () => {
  it.each(
    readdirSync(join(ROOT, 'examples')).filter(
      (f) => f.endsWith('.yaml') && !f.endsWith('.polybus-test.yaml'),
    ),
  )('accepts examples/%s', async (file) => {
    const result = await runCli(['validate', '-c', join('examples', file)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid');
  });

  it('exits 0 on a valid config', async () => {
    const result = await runCli(['validate', '-c', writeConfig(VALID)]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('warns on stderr, exit 0, about at-most-once sources and sinks (zeromq, core NATS, Redis Pub/Sub)', async () => {
    const file = writeConfig(`connections:
  z: zmq+tcp://127.0.0.1:39999
  n: nats://127.0.0.1:4222
  r: redis://127.0.0.1:6379
  k: kafka://127.0.0.1:9092
routes:
  - name: from-zmq
    from: { connection: z }
    to:
      - { connection: k, topic: durable }
  - name: to-pubsub
    from: { connection: k, topic: in, group: g }
    to:
      - { connection: n, subject: core.subject, core: true }
      - { connection: n, subject: js.subject }
      - { connection: r, channel: events }
      - { connection: r, stream: kept }
`);
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid');
    const warnings = result.stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings, result.stderr).toHaveLength(3);
    expect(warnings[0]).toMatch(/routes\[0\]\.from: route "from-zmq" reads from an at-most-once source/);
    expect(warnings[0]).toContain('`startFrom: earliest` is refused');
    expect(warnings[1]).toMatch(/routes\[1\]\.to\[0\]: .*at-most-once sink \(connection "n"\)/);
    expect(warnings[2]).toMatch(/routes\[1\]\.to\[2\]: .*at-most-once sink \(connection "r"\)/);
  });

  it('refuses startFrom: earliest on a source that cannot replay (exit 2)', async () => {
    const file = writeConfig(`connections:
  z: zmq+tcp://127.0.0.1:39998
  a: memory://x
routes:
  - name: r
    from: { connection: z, startFrom: earliest }
    to:
      - { connection: a, topic: t }
`);
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot replay from the earliest message');
  });

  it('exits 2 naming file, line and path of a missing sink address key', async () => {
    const file = writeConfig(`connections:
  a: memory://x
  n: nats://127.0.0.1:4222
routes:
  - name: r
    from: { connection: a, topic: in }
    to:
      - { connection: a, topic: out }
      - { connection: n, stream: ORDERS }
`);
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:9: routes[0].to[1].subject: required`);
  });

  it('exits 2 listing every problem: unknown keys, bad expressions, unknown connections, missing variables', async () => {
    const file = writeConfig(`connections:
  a: memory://x
routes:
  - name: r
    from: { connection: a, topic: in, colour: blue }
    filter: "body.total >"
    to:
      - { connection: nope, topic: out }
    retries: 3
`);
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain(`${file}:9: routes[0].retries: unknown key`);
    // schema errors stop before semantic checks; fix them and the next layer shows up:
    const fixed = writeConfig(`connections:
  a: memory://x
routes:
  - name: r
    from: { connection: a, topic: in, colour: blue }
    filter: "body.total >"
    to:
      - { connection: nope, topic: "\${MISSING_TOPIC:-out}" }
`);
    const second = await runCli(['validate', '-c', fixed]);
    expect(second.code).toBe(2);
    const found = second.stderr.trim().split('\n');
    expect(found).toContain(`${fixed}:5: routes[0].from.colour: unknown key`);
    expect(found.some((l) => l.startsWith(`${fixed}:6: routes[0].filter: invalid JSONata expression`))).toBe(
      true,
    );
    expect(
      found.some((l) => l.startsWith(`${fixed}:8: routes[0].to[0].connection: unknown connection "nope"`)),
    ).toBe(true);
  });

  it('exits 2 on a missing environment variable, and never prints a password', async () => {
    const file = writeConfig(`connections:
  a: "amqp://admin:s3cret-pw@127.0.0.1:1/\${NO_SUCH_VHOST_VAR}"
routes:
  - name: r
    from: { connection: a, queue: q }
    to: [{ connection: a, queue: q2 }]
`);
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}:2: connections.a: environment variable NO_SUCH_VHOST_VAR is not set`,
    );
    expect(result.stderr).not.toContain('s3cret-pw');
  });

  it('exits 2 on a missing file', async () => {
    const result = await runCli(['validate', '-c', '/nonexistent/polybus.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/nonexistent/polybus.yaml: (root): file not found');
  });
});

describe('polybus run', () => {
  it('exits 2 on an invalid config without connecting anything', async () => {
    const file = writeConfig(`connections: { a: "amqp://127.0.0.1:1" }
routes: [{ name: r, from: { connection: a, queue: q }, to: [{ connection: a }] }]
`);
    const result = await runCli(['run', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('routes[0].to[0]');
  });

  it('logs, with their codes, the same warnings validate prints, then runs', async () => {
    const file = writeConfig(`http: { enabled: false }
connections:
  io: stdio://
  z: zmq+tcp://127.0.0.1:0
routes:
  - name: out
    from: { connection: io }
    to:
      - { connection: z, topic: t }
`);
    const validated = await runCli(['validate', '-c', file]);
    const printed = validated.stderr
      .split('\n')
      .filter((l) => l.includes(': warning: '))
      .map((l) => l.slice(l.indexOf(': warning: ') + ': warning: '.length));
    expect(printed).toHaveLength(1);
    const ran = await runCli(['run', '-c', file], { input: 'one\n' });
    expect(ran.code, ran.stderr).toBe(0);
    const logged = ran.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; code?: string; path?: string; msg: string })
      .filter((entry) => entry.code !== undefined);
    expect(logged.map((e) => [e.level, e.code, e.path])).toEqual([
      [40, 'AT_MOST_ONCE_SINK', 'routes[0].to[0]'],
    ]);
    expect(logged.map((e) => e.msg)).toEqual(printed);
  });

  it('exits 1 when a connection cannot be established', async () => {
    const file = writeConfig(`connections:
  a: "nats://127.0.0.1:1"
  m: memory://x
http: { port: 0 }
routes: [{ name: r, from: { connection: m, topic: q }, to: [{ connection: a, subject: s }] }]
`);
    const result = await runCli(['run', '-c', file], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
  });
});

describe('polybus run keeps running', () => {
  it('stays up with only in-process connections and no HTTP server, until signalled', async () => {
    const config = writeConfig(
      [
        'http: { enabled: false }',
        'connections:',
        '  a: memory://keepalive',
        'routes:',
        '  - name: r',
        '    from: { connection: a, topic: in }',
        '    to:',
        '      - { connection: a, topic: out }',
        '',
      ].join('\n'),
    );
    const bridge = await BridgeProcess.start(config);
    const code = await bridge.stop('SIGTERM');
    expect(bridge.stderr).toContain('"msg":"signal received"');
    expect(code).toBe(0);
  });
});

describe('polybus schema and --help', () => {
  it('prints a JSON Schema that rejects unknown keys', async () => {
    const result = await runCli(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['connections', 'http', 'routes', 'shutdownTimeout']),
    );
    expect(schema.additionalProperties).toBe(false);
  });

  it.each([[], ['run'], ['validate'], ['schema'], ['send'], ['tail']])(
    'answers --help for %j',
    async (...command) => {
      const result = await runCli([...command.flat(), '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: polybus');
    },
  );
});
