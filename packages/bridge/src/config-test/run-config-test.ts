import {
  type AdapterRegistry,
  createMessage,
  type Message,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { endpointAddress } from '../config/endpoint.js';
import type { BridgeConfig } from '../config/schema.js';
import { createMetrics } from '../metrics.js';
import { DeadLetterHeaders } from '../route/dead-letter.js';
import { createRoute } from '../route/route.js';
import { CaptureTransport } from './capture-transport.js';
import type { ConfigTestCase, SinkExpectation } from './test-file.js';

/** One difference between what a case expected and what the route did. */
export interface CaseFailure {
  readonly route: string;
  readonly message: string;
  readonly sink?: string;
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Whether `actual` contains `expected` (objects: every expected key, recursively; else equal). Pure. */
export function jsonSubset(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected))
    return (
      actual !== null &&
      typeof actual === 'object' &&
      !Array.isArray(actual) &&
      Object.entries(expected).every(([k, v]) => jsonSubset(v, (actual as Record<string, unknown>)[k]))
    );
  return JSON.stringify(expected) === JSON.stringify(actual);
}

const text = (m: Message) => new TextDecoder().decode(m.body);
/** The body as JSON when it parses, else as text. */
function parsed(m: Message): unknown {
  try {
    return JSON.parse(text(m));
  } catch {
    return text(m);
  }
}

function compareSink(
  got: Message,
  want: SinkExpectation,
  fail: (field: string, e: unknown, a: unknown) => void,
): void {
  if (want.body !== undefined) {
    const expected = typeof want.body === 'string' ? want.body : JSON.stringify(want.body);
    const actual = parsed(got);
    const equal =
      typeof want.body === 'string'
        ? text(got) === want.body
        : jsonSubset(want.body, actual) && jsonSubset(actual, want.body);
    if (!equal) fail('body', expected, text(got));
  }
  if (want.json !== undefined) {
    const actual = parsed(got);
    if (!jsonSubset(want.json, actual)) fail('json', want.json, actual);
  }
  for (const [name, value] of Object.entries(want.headers ?? {}))
    if (got.headers[name] !== value) fail(`headers.${name}`, value, got.headers[name]);
  if (want.key !== undefined && got.key !== want.key) fail('key', want.key, got.key);
}

/**
 * Runs one case through the real route pipeline (`createRoute`) with {@link CaptureTransport}s in
 * place of every connection, and returns the differences (none: the case passed). No I/O.
 */
export async function runCase(
  config: BridgeConfig,
  registry: AdapterRegistry,
  testCase: ConfigTestCase,
  label: string,
): Promise<CaseFailure[]> {
  const failures: CaseFailure[] = [];
  const routeConfig = config.routes.find((r) => r.name === testCase.route);
  const fail = (field: string, expected: unknown, actual: unknown, sink?: string) =>
    failures.push({
      route: testCase.route,
      message: label,
      field,
      expected,
      actual,
      ...(sink === undefined ? {} : { sink }),
    });
  if (!routeConfig) {
    fail('route', testCase.route, `none (routes: ${config.routes.map((r) => r.name).join(', ')})`);
    return failures;
  }
  const connections = new Map<string, CaptureTransport>();
  for (const [name, { url }] of Object.entries(config.connections)) {
    const descriptor = registry.resolve(url);
    connections.set(name, new CaptureTransport(descriptor.scheme, descriptor.capabilities));
  }
  const route = createRoute({
    config: { ...routeConfig, retry: { ...routeConfig.retry, maxAttempts: 1 } },
    connections: connections as Map<string, Transport>,
    metrics: createMetrics({ processMetrics: false }),
    logger: silentLogger,
  });
  await route.start();
  const source = connections.get(routeConfig.from.connection) as CaptureTransport;
  const { input } = testCase;
  const message = createMessage({
    id: input.id ?? label,
    body: typeof input.body === 'string' ? input.body : JSON.stringify(input.body),
    headers: input.headers ?? {},
    ...(input.key === undefined ? {} : { key: input.key }),
  });
  let settledAs = 'nothing';
  await source.handler?.({
    message,
    attempt: 1,
    source: { address: endpointAddress(routeConfig.from) },
    settled: false,
    ack: async () => {
      settledAs = 'ack';
    },
    nack: async () => {
      settledAs = 'nack';
    },
  });
  await route.stop(1000);
  const dead = routeConfig.deadLetter
    ? (connections
        .get(routeConfig.deadLetter.connection)
        ?.publishedTo(endpointAddress(routeConfig.deadLetter)) ?? [])
    : [];
  const outputs = routeConfig.to.map((sink, i) => ({
    names: [String(i), `to[${i}]`, sink.connection],
    messages: connections.get(sink.connection)?.publishedTo(endpointAddress(sink)) ?? [],
  }));
  const outcome =
    dead.length > 0
      ? 'dead-lettered'
      : settledAs !== 'ack'
        ? settledAs
        : outputs.some((o) => o.messages.length > 0)
          ? 'published'
          : 'filtered';
  const want = testCase.expect;
  if ('filtered' in want) {
    if (outcome !== 'filtered') fail('outcome', 'filtered', outcome);
  } else if ('deadLettered' in want) {
    if (outcome !== 'dead-lettered') fail('outcome', 'dead-lettered', outcome);
    else if (
      want.deadLettered.reason !== undefined &&
      !(dead[0]?.headers[DeadLetterHeaders.error] ?? '').includes(want.deadLettered.reason)
    )
      fail('reason', `contains "${want.deadLettered.reason}"`, dead[0]?.headers[DeadLetterHeaders.error]);
  } else {
    if (outcome !== 'published')
      fail(
        'outcome',
        'published',
        outcome === 'dead-lettered' ? `dead-lettered: ${dead[0]?.headers[DeadLetterHeaders.error]}` : outcome,
      );
    for (const [i, output] of outputs.entries()) {
      const key = Object.keys(want.sinks).find((k) => output.names.includes(k));
      const sink = key ?? `to[${i}]`;
      if (key === undefined) {
        if (output.messages.length > 0) fail('messages', 0, output.messages.length, sink);
        continue;
      }
      const got = output.messages[0];
      if (output.messages.length !== 1 || !got) {
        fail('messages', 1, output.messages.length, sink);
        continue;
      }
      compareSink(got, want.sinks[key] as SinkExpectation, (field, e, a) => fail(field, e, a, sink));
    }
    for (const key of Object.keys(want.sinks))
      if (!outputs.some((o) => o.names.includes(key)))
        fail('sink', key, `no such sink (use a connection name or to[i])`, key);
  }
  return failures;
}

/** A failure as readable lines: where, then expected and actual. Pure. */
export function formatFailure(file: string, f: CaseFailure): string {
  const where = `${file}: route ${f.route}, message ${f.message}${f.sink === undefined ? '' : `, sink ${f.sink}`}: ${f.field}`;
  return `${where}\n  - expected: ${JSON.stringify(f.expected)}\n  + actual:   ${JSON.stringify(f.actual)}`;
}
