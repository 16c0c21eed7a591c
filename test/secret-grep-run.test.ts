import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, runCli, writeConfig } from './helpers/bridge-process.js';

/**
 * Issue 14's secret grep for `polybus run`: secrets planted in a connection URL (userinfo with @ and a
 * space, a secret query parameter), in `${VAR}` and `${file:}` values used inside expressions, and in
 * message bodies that make an expression fail at run time. No output channel may contain one: stdout
 * (including dead-letter `x-polybus-*` headers), stderr (JSON logs), /metrics, /routes, /health/*, /api/routes and
 * /api/connections (what the web console shows).
 */
const SECRETS = {
  urlPassword: 'PLANTED-URL-PW',
  query: 'PLANTED-QUERY',
  env: 'PLANTED-ENV-TOKEN',
  file: 'PLANTED-FILE-TOKEN',
  body: 'PLANTED-BODY-VALUE',
};

let bridge: BridgeProcess | undefined;
afterEach(() => bridge?.kill());

describe('planted secrets never reach an output channel of run', () => {
  it('keeps URL, env, file and body secrets out of stdout, stderr, dead letters and every HTTP endpoint', async () => {
    const secretFile = join(mkdtempSync(join(tmpdir(), 'polybus-secret-')), 'token');
    writeFileSync(secretFile, `${SECRETS.file}\n`);
    const dollar = '$';
    const config = `connections:
  in: { url: stdio://, options: { format: json } }
  out: { url: stdio://, options: { format: json } }
  bus: "memory://user:se@c ${SECRETS.urlPassword}@grep-${process.pid}?token=${SECRETS.query}"
http: { port: 0 }
shutdownTimeout: 10s
routes:
  - name: feed
    from: { connection: in }
    to: [{ connection: bus, topic: work }]
  - name: checked
    from: { connection: bus, topic: work, group: g }
    filter: 'headers.auth = "${dollar}{API_TOKEN}" or headers.auth = "${dollar}{file:${secretFile}}"'
    transform:
      body: '{ "n": ${dollar}number(body.pw) + 1, "t": "${dollar}{API_TOKEN}" = "" }'
    to: [{ connection: out }]
    deadLetter: { connection: bus, topic: dlq }
  - name: print-dlq
    from: { connection: bus, topic: dlq, group: d }
    transform: { headers: { x-via: '"dlq"' } }
    to: [{ connection: out }]
`;
    bridge = await BridgeProcess.start(writeConfig(config), { env: { API_TOKEN: SECRETS.env } });
    bridge.send([
      // Passes the filter; the transform fails on a body value ($number of a non-number).
      JSON.stringify({ id: 'bad-1', headers: { auth: SECRETS.env }, body: `{"pw": "${SECRETS.body}"}` }),
      JSON.stringify({ id: 'bad-2', headers: { auth: SECRETS.file }, body: `{"pw": "${SECRETS.body}"}` }),
      // Passes and transforms.
      JSON.stringify({ id: 'good', headers: { auth: SECRETS.file }, body: '{"pw": "41"}' }),
    ]);
    await bridge.waitForLines(3, 60_000);
    const lines = bridge.json();
    const dlq = lines.filter((l) => l.headers['x-via'] === 'dlq');
    expect(dlq.map((l) => l.id).sort()).toEqual(['bad-1', 'bad-2']);
    for (const line of dlq)
      expect(line.headers['x-polybus-error']).toMatch(/expression failed: evaluation error \(D\d{4}/);
    expect(JSON.parse(lines.find((l) => l.id === 'good')?.body ?? '{}')).toEqual({ n: 42, t: false });

    // The headers the messages came with carry secrets by the test's choice; the x-polybus-* ones must not.
    const polybusHeaders = dlq.flatMap((l) =>
      Object.entries(l.headers)
        .filter(([name]) => name.startsWith('x-polybus-'))
        .map(([name, value]) => `${name}: ${value}`),
    );
    const channels: Record<string, string> = {
      'dead-letter headers': polybusHeaders.join('\n'),
      stderr: bridge.stderr,
    };
    for (const path of [
      '/metrics',
      '/routes',
      '/health/live',
      '/health/ready',
      '/api/routes',
      '/api/connections',
    ])
      channels[path] = (await bridge.get(path)).text;
    for (const [channel, text] of Object.entries(channels)) {
      expect(text.length, channel).toBeGreaterThan(0);
      for (const [kind, secret] of Object.entries(SECRETS))
        expect(text, `${kind} secret leaked into ${channel}`).not.toContain(secret);
      expect(text, `expression source leaked into ${channel}`).not.toContain('$number(body.pw)');
    }
    expect(await bridge.stop('SIGTERM')).toBe(0);
  }, 120_000);
});

/**
 * The TLS URL schemes of the adapters added later (mqtts, amqps1), with secrets in the userinfo
 * (holding `@`, a space or `/`) and in a query parameter. Nothing listens on these ports (the
 * security range 16000-16099), so `run` fails to start and prints its error: neither that error nor
 * anything else it writes may contain a secret.
 */
const TLS_URL_CASES: readonly { name: string; url: string; secrets: string[] }[] = [
  {
    name: 'mqtts password with @ and a space, password query parameter',
    url: 'mqtts://app:se@c PLANTED-MQTTS-PW@127.0.0.1:16093/?password=PLANTED-MQTTS-Q',
    secrets: ['PLANTED-MQTTS-PW', 'PLANTED-MQTTS-Q', 'se@c'],
  },
  {
    name: 'mqtts password with /',
    url: 'mqtts://app:pa/PLANTED-MQTTS-SLASH@127.0.0.1:16093',
    secrets: ['PLANTED-MQTTS-SLASH', 'pa/'],
  },
  {
    name: 'amqps1 password with @ and a space',
    url: 'amqps1://app:se@c PLANTED-AMQPS1-PW@127.0.0.1:16094',
    secrets: ['PLANTED-AMQPS1-PW', 'se@c'],
  },
  {
    name: 'amqps1 password with /, token query parameter',
    url: 'amqps1://app:pa/PLANTED-AMQPS1-SLASH@127.0.0.1:16094/?token=PLANTED-AMQPS1-Q',
    secrets: ['PLANTED-AMQPS1-SLASH', 'PLANTED-AMQPS1-Q', 'pa/'],
  },
];

describe('planted secrets in mqtts:// and amqps1:// URLs never reach the output of run', () => {
  it.each(TLS_URL_CASES)(
    '$name',
    async ({ url, secrets }) => {
      const file = writeConfig(`connections:
  in: stdio://
  sink: { url: ${JSON.stringify(url)}, options: { connectTimeoutMs: 2000 } }
routes:
  - name: r
    from: { connection: in }
    to: [{ connection: sink, ${url.startsWith('mqtts') ? 'topic' : 'queue'}: out }]
`);
      const result = await runCli(['run', '-c', file, '--log-level', 'debug'], { timeoutMs: 60_000 });
      expect(result.code).not.toBe(0);
      const output = result.stdout + result.stderr;
      // refused when connecting, or (a `/` in the password makes the URL ambiguous) when validating,
      // with the URL's credentials masked
      expect(output).toMatch(/bridge failed to start|connections\.sink\.url: invalid/);
      expect(output).toMatch(
        /(mqtts|amqps1):\/\/\*\*\*:\*\*\*@127\.0\.0\.1|could not connect to 127\.0\.0\.1/,
      );
      for (const secret of secrets) expect(output, `"${secret}" leaked:\n${output}`).not.toContain(secret);
    },
    90_000,
  );
});
