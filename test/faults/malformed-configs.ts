import { stringify } from 'yaml';
import { prng } from './harness.js';

/**
 * The generated set of malformed bridge configs for scenario 12. Every case is invalid by
 * construction (one defect on top of a valid base config whose connections all point at `port`, a
 * sentinel TCP server of the test, so any connection attempt is seen).
 */

/** One malformed config: what is wrong with it and the file's bytes. */
export interface MalformedCase {
  readonly category: string;
  readonly name: string;
  readonly content: string | Uint8Array;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** A valid config using every broker scheme, all pointing at 127.0.0.1:`port`. */
export function baseConfig(port: number): Obj {
  return {
    connections: {
      src: `amqp://guest:guest@127.0.0.1:${port}`,
      dst: { url: `kafka://127.0.0.1:${port}`, options: { clientId: 'faults' } },
      dlq: `redis://127.0.0.1:${port}`,
      bus: { url: `nats://127.0.0.1:${port}`, options: { createStreams: true } },
    },
    http: { port: 0 },
    shutdownTimeout: '5s',
    routes: [
      {
        name: 'r1',
        from: { connection: 'src', queue: 'in', group: 'g' },
        filter: 'body.total > 1',
        transform: { body: '{ "a": body.a }', headers: { 'x-a': '"1"' }, key: 'body.k' },
        to: [
          { connection: 'dst', topic: 'out' },
          { connection: 'bus', subject: 'out', when: 'body.a > 1' },
        ],
        retry: { maxAttempts: 3, initialDelay: '100ms', maxDelay: '1s' },
        deadLetter: { connection: 'dlq', stream: 'dlq' },
        maxInFlight: 16,
      },
    ],
  };
}

const clone = (o: Obj): Obj => structuredClone(o);

/** Sets (or with `undefined` deletes) the value at a dotted path (`routes.0.to.1.when`). */
function setPath(o: Obj, path: string, value: Json | undefined): Obj {
  const copy = clone(o);
  const parts = path.split('.');
  let node = copy as Record<string, Json> | Json[];
  for (const p of parts.slice(0, -1)) node = (node as Record<string, Json>)[p] as Record<string, Json>;
  const last = parts.at(-1) as string;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else (node as Record<string, Json>)[last] = value;
  return copy;
}

/** Builds the whole set (at least 200 cases). */
export function malformedConfigs(port: number, seed: number): MalformedCase[] {
  const base = baseConfig(port);
  const cases: MalformedCase[] = [];
  const add = (category: string, name: string, config: Obj | string | Uint8Array): void => {
    cases.push({
      category,
      name,
      content: typeof config === 'string' || config instanceof Uint8Array ? config : stringify(config),
    });
  };

  // Wrong types: each path with values of types it never accepts.
  const wrongTypes: Record<string, Json[]> = {
    connections: ['text', 5, [], true],
    'connections.src': [5, true, [], { url: 5 }, { url: `amqp://127.0.0.1:${port}`, options: 'x' }, ''],
    http: ['on', 8080, []],
    'http.port': ['eighty', -1, 70000, 1.5, [], { a: 1 }],
    'http.host': [5, [], true],
    'http.enabled': ['yes-please', 3, []],
    shutdownTimeout: ['soon', -5, [], { s: 1 }, '10 parsecs'],
    routes: ['r', 5, { name: 'x' }, true],
    'routes.0': ['route', 5, []],
    'routes.0.name': [5, [], 'has space', 'bad/slash', ''],
    'routes.0.from': ['src', 5, []],
    'routes.0.from.connection': [5, [], ''],
    'routes.0.from.group': [5, 'bad group', []],
    'routes.0.from.startFrom': ['beginning', 5],
    'routes.0.to': ['dst', 5, [], {}],
    'routes.0.to.0': ['dst', 5],
    'routes.0.to.1.when': [5, [], ''],
    'routes.0.filter': [5, [], { a: 1 }, ''],
    'routes.0.transform': ['x', 5, []],
    'routes.0.transform.body': [5, [], ''],
    'routes.0.transform.headers': ['x', 5],
    'routes.0.transform.key': [[], ''],
    'routes.0.retry': ['x', 5],
    'routes.0.retry.maxAttempts': [0, -1, 'many', 1.5],
    'routes.0.retry.initialDelay': ['fast', -1, []],
    'routes.0.retry.maxDelay': ['slow', []],
    'routes.0.deadLetter': ['dlq', 5, []],
    'routes.0.maxInFlight': ['lots', 0, -3, 2.5, []],
  };
  for (const [path, values] of Object.entries(wrongTypes))
    for (const [i, v] of values.entries())
      add('wrong type', `${path} = ${JSON.stringify(v)} (#${i})`, setPath(base, path, v));

  // Unknown keys at every level.
  const unknownAt = [
    '',
    'http.',
    'routes.0.',
    'routes.0.transform.',
    'routes.0.retry.',
    'connections.dst.',
    'connections.dst.options.',
    'connections.bus.options.',
  ];
  for (const prefix of unknownAt)
    for (const key of ['colour', 'maxInflight', 'timeout'])
      add('unknown key', `${prefix}${key}`, setPath(base, `${prefix}${key}`, 1));

  // Missing required keys and missing connections.
  for (const path of [
    'connections',
    'routes',
    'routes.0.name',
    'routes.0.from',
    'routes.0.to',
    'routes.0.from.connection',
    'routes.0.to.0.connection',
  ])
    add('missing key', path, setPath(base, path, undefined));
  add('missing key', 'routes = []', setPath(base, 'routes', []));
  add('missing key', 'connections = {}', setPath(base, 'connections', {}));
  for (const path of [
    'routes.0.from.connection',
    'routes.0.to.0.connection',
    'routes.0.to.1.connection',
    'routes.0.deadLetter.connection',
  ])
    for (const missing of ['nope', 'SRC', 'src '])
      add('missing connection', `${path} = ${missing}`, setPath(base, path, missing));

  // Unknown schemes.
  for (const scheme of [
    'foo',
    'sqs',
    'http',
    'https',
    'amqpx',
    'pulsar',
    'file',
    'tcp',
    'redis+sentinel',
    'jetstream',
  ])
    add('unknown scheme', scheme, setPath(base, 'connections.src', `${scheme}://127.0.0.1:${port}`));
  for (const url of ['not a url', '127.0.0.1:5672', '://nothing', 'amqp//missing-colon'])
    add('unknown scheme', `url ${url}`, setPath(base, 'connections.src', url));

  // Bad JSONata wherever an expression goes.
  const badExpressions = [
    'body.total >',
    '(((',
    '$notAFunction(',
    'body[',
    '{ "a": }',
    '"unterminated',
    '$$$ + ',
    'a ? : b',
  ];
  for (const at of [
    'routes.0.filter',
    'routes.0.transform.body',
    'routes.0.transform.headers.x-a',
    'routes.0.transform.key',
    'routes.0.to.1.when',
  ])
    for (const expr of badExpressions) add('bad JSONata', `${at}: ${expr}`, setPath(base, at, expr));

  // Route to itself.
  const selfRoutes: [string, Json, Json][] = [
    ['amqp queue', { connection: 'src', queue: 'in' }, { connection: 'src', queue: 'in' }],
    ['kafka topic', { connection: 'dst', topic: 'out', group: 'g' }, { connection: 'dst', topic: 'out' }],
    ['redis stream', { connection: 'dlq', stream: 's', group: 'g' }, { connection: 'dlq', stream: 's' }],
    [
      'nats subject',
      { connection: 'bus', subject: 's.x', group: 'g' },
      { connection: 'bus', subject: 's.x' },
    ],
  ];
  for (const [name, from, to] of selfRoutes) {
    const c = setPath(setPath(base, 'routes.0.from', from), 'routes.0.to', [to]);
    add('route to itself', name, setPath(c, 'routes.0.to.1', undefined));
  }

  // Invalid adapter options and addresses.
  const badOptions: [string, Json][] = [
    ['connections.dst.options.maxMessageBytes', 'big'],
    ['connections.dst.options.topicPartitions', 0],
    ['connections.bus.options.ackWaitMs', 5],
    ['connections.bus.options.createStreams', 'yes'],
    ['connections.src', { url: `amqp://127.0.0.1:${port}`, options: { queueType: 'lazy' } }],
    ['connections.dlq', { url: `redis://127.0.0.1:${port}`, options: { blockMs: 0 } }],
  ];
  for (const [path, v] of badOptions)
    add('bad adapter option', `${path} = ${JSON.stringify(v)}`, setPath(base, path, v));
  const badAddresses: [string, Json][] = [
    ['routes.0.from', { connection: 'src' }],
    ['routes.0.from', { connection: 'src', queue: 'q', exchange: 'e' }],
    ['routes.0.to.0', { connection: 'dst' }],
    ['routes.0.to.0', { connection: 'dst', queue: 'q' }],
    ['routes.0.to.1', { connection: 'bus' }],
    ['routes.0.deadLetter', { connection: 'dlq' }],
    ['routes.0.deadLetter', { connection: 'dlq', stream: 's', channel: 'c' }],
    ['routes.0.to.0', { connection: 'dst', topic: '' }],
  ];
  for (const [i, [path, v]] of badAddresses.entries())
    add('bad address', `${path} #${i}`, setPath(base, path, v));

  // Duplicate names, duplicate YAML keys, unset variables.
  add('duplicate', 'two routes named r1', setPath(base, 'routes.1', (base.routes as Json[])[0] as Json));
  add('duplicate', 'duplicate YAML key', `${stringify(base)}http: { port: 0 }\n`);
  for (const v of [
    '$' + '{POLYBUS_FAULTS_UNSET_A}',
    'amqp://$' + '{POLYBUS_FAULTS_UNSET_B}@127.0.0.1',
    '$' + '{POLYBUS_FAULTS_UNSET_C}s',
  ])
    add('unset variable', v, setPath(base, v.endsWith('s') ? 'shutdownTimeout' : 'connections.src', v));

  // Empty files.
  for (const [name, text] of [
    ['empty', ''],
    ['whitespace', ' \n\n\t\n'],
    ['comment only', '# nothing\n'],
    ['document marker', '---\n'],
    ['null', 'null\n'],
    ['tilde', '~\n'],
    ['scalar', 'hello\n'],
    ['list', '- a\n- b\n'],
  ] as const)
    add('empty file', name, text);

  // YAML syntax errors.
  const syntax = [
    'routes: [\n',
    'connections: {a: 1\n',
    'routes:\n  - name: x\n   bad-indent: 1\n',
    'a: b: c\n',
    '"unterminated\n',
    'key: [1, 2\n',
    '\t- tab-indented\n',
    'x: &a\ny: *b\n',
    'connections:\n  a: 1\n  a: 2\n',
    '{{{{\n',
  ];
  for (const [i, text] of syntax.entries()) add('YAML syntax', `#${i}`, text);

  // Binary garbage (seeded).
  const random = prng(seed);
  for (let i = 0; i < 20; i++) {
    const bytes = new Uint8Array(64 + Math.floor(random() * 4000));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    add('binary garbage', `#${i} (${bytes.length} bytes)`, bytes);
  }
  add('binary garbage', 'valid config then NUL bytes', `${stringify(base)}\u0000\u0000\u0001`);

  // Huge files.
  add(
    'huge file',
    '16 MiB comment after a missing-connection defect',
    `${stringify(setPath(base, 'routes.0.from.connection', 'nope'))}#${'x'.repeat(16 * 1024 * 1024)}\n`,
  );
  const many = Array.from({ length: 20_000 }, (_, i) => ({
    name: `r${i}`,
    from: { connection: 'src', queue: `q${i}` },
    to: [{ connection: 'src', queue: `q${i}` }],
  }));
  add('huge file', '20,000 routes each sending to itself', stringify({ ...base, routes: many }));
  return cases;
}
