import { z } from 'zod';
import { durationSchema } from '../duration.js';
import { routeExtras } from './route-extras-schema.js';

const NAME = /^[A-Za-z0-9._-]+$/;
/** Schemas that also accept their value written as a string (so `${VAR}` works after substitution). */
const writtenAsString = new WeakMap<z.ZodType, string>();

/** An integer, also accepted as a string of digits (so `${PORT}` works after substitution). */
const integer = (min: number, max: number) => {
  const schema = z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );
  writtenAsString.set(schema, '^\\s*\\d+\\s*$');
  return schema;
};
/** A boolean, also accepted as the string `true` / `false`. */
const boolean = () => {
  const schema = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
  writtenAsString.set(schema, '^(true|false)$');
  return schema;
};

/**
 * For `z.toJSONSchema`'s `override`: a number or boolean field that is also accepted as a string
 * shows both ways of writing it (a string value may also hold a `${VAR}` placeholder).
 */
export function showStringForms(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const pattern = writtenAsString.get(ctx.zodSchema as z.ZodType);
  if (pattern === undefined) return;
  const { default: defaultValue, description, ...value } = ctx.jsonSchema;
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, {
    ...(description === undefined ? {} : { description }),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    anyOf: [value, { type: 'string', pattern: `${pattern}|\\$\\{` }],
  });
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A JSONata expression, compiled when the config is loaded. */
const expression = z.string().min(1, 'expression must not be empty');

/**
 * `name: URL` or `name: { url, options }` as written; always `{ url, options }` once parsed (options
 * `{}` when none were given), so nothing downstream branches on the written form.
 */
export const connectionSchema = z
  .union([
    z.string().min(1),
    z.strictObject({
      url: z.string().min(1).meta({ description: 'Connection URL; its scheme picks the adapter.' }),
      options: z
        .record(z.string(), z.unknown())
        .optional()
        .meta({ description: "Adapter options, validated by the adapter's own schema." }),
    }),
  ])
  .transform(
    (connection): ConnectionConfig =>
      typeof connection === 'string'
        ? { url: connection, options: {} }
        : { url: connection.url, options: connection.options ?? {} },
  );

/** One validated connection. */
export interface ConnectionConfig {
  readonly url: string;
  readonly options: Readonly<Record<string, unknown>>;
}

const endpointBase = {
  connection: z.string().min(1).meta({ description: 'Name of a connection under `connections`.' }),
  address: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "The adapter's default kind of address as a string (instead of native keys)." }),
};

/**
 * CloudEvents handling of an endpoint: `binary` / `structured` name the content mode (each broker's
 * binding), `off` (the default) leaves messages untouched.
 */
const cloudEventsMode = z.enum(['binary', 'structured', 'off']);

/**
 * Where a route reads from: a connection, the adapter's native address keys (amqp: queue |
 * exchange + routingKey; kafka: topic; redis: stream | channel; nats: subject (+ stream); memory:
 * topic) and an optional consumer group.
 */
export const sourceSchema = z
  .object({
    ...endpointBase,
    group: z
      .string()
      .regex(NAME, 'group may contain only letters, digits and . _ -')
      .optional()
      .meta({ description: 'Consumer group: bridges sharing a group share the work.' }),
    startFrom: z
      .enum(['latest', 'earliest'])
      .optional()
      .meta({ description: "Where a new group starts (earliest needs the adapter's replay capability)." }),
    cloudEvents: cloudEventsMode.optional().meta({
      description:
        'binary | structured: every message must be a CloudEvent in that mode (else dead-lettered); off (default): not required.',
    }),
  })
  .catchall(scalar);

/** Where a route writes to; `when` (JSONata) selects the messages this sink gets. */
export const sinkSchema = z
  .object({
    ...endpointBase,
    when: expression
      .optional()
      .meta({ description: 'JSONata predicate: only messages for which it holds go to this sink.' }),
    cloudEvents: cloudEventsMode.optional().meta({
      description:
        "binary | structured: CloudEvents are written in that mode with this broker's binding; off (default): untouched.",
    }),
  })
  .catchall(scalar);

/** Dead-letter target: a connection and a native address. */
export const deadLetterSchema = z.object(endpointBase).catchall(scalar);

/** Optional transform; absent parts leave the message as it was. */
export const transformSchema = z.strictObject({
  body: expression.optional().meta({ description: 'JSONata producing the new body (encoded as JSON).' }),
  headers: z.record(z.string(), expression).optional().meta({
    description: 'Header name -> JSONata expression; added to (or replacing) the original headers.',
  }),
  key: expression.optional().meta({ description: 'JSONata producing the new key.' }),
});

/** Retry of transport errors (a sink down or refusing). */
export const retrySchema = z.strictObject({
  maxAttempts: integer(1, 1_000_000)
    .default(5)
    .meta({ description: 'Publish attempts per sink before dead-lettering.' }),
  initialDelay: durationSchema.default(200).meta({ description: 'Delay before the first retry.' }),
  maxDelay: durationSchema.default(10_000).meta({ description: 'Upper bound of a retry delay.' }),
});

/** Per-message bounds of every expression evaluation of a route (issue 14). */
export const limitsSchema = z.strictObject({
  expressionTimeout: durationSchema
    .default(100)
    .meta({ description: 'Time budget of one filter/transform/key/when evaluation; over it: dead-letter.' }),
  expressionDepth: integer(10, 100_000)
    .default(500)
    .meta({ description: 'Maximum evaluation depth (nested calls) of one expression evaluation.' }),
  expressionSequence: integer(1, 10_000_000)
    .default(100_000)
    .meta({ description: 'Maximum length of a sequence (range, path result) built by one evaluation.' }),
});

/** One route: `from -> filter -> transform -> to[]`, with retry and dead-letter. */
export const routeSchema = z.strictObject({
  name: z.string().regex(NAME, 'route name may contain only letters, digits and . _ -'),
  from: sourceSchema,
  filter: expression
    .optional()
    .meta({ description: 'JSONata predicate over { id, key, headers, body, timestamp }.' }),
  transform: transformSchema.optional(),
  to: z.array(sinkSchema).min(1, 'a route needs at least one sink'),
  retry: retrySchema.default({ maxAttempts: 5, initialDelay: 200, maxDelay: 10_000 }),
  deadLetter: deadLetterSchema.optional(),
  maxInFlight: integer(1, 100_000).default(256),
  limits: limitsSchema.default({ expressionTimeout: 100, expressionDepth: 500, expressionSequence: 100_000 }),
  ...routeExtras,
});

/** HTTP server for health, metrics and admin. */
export const httpSchema = z.strictObject({
  enabled: boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: integer(0, 65_535).default(9464),
  allowedHosts: z
    .array(z.string().min(1))
    .default([])
    .meta({ description: 'Host names answered besides loopback names, the bind host and IP literals.' }),
  adminToken: z.string().min(16, 'adminToken must be at least 16 characters').optional().meta({
    description:
      'Bearer token of the admin API (or POLYBUS_ADMIN_TOKEN); take it from a variable or a secret file.',
  }),
  maxConnections: integer(1, 65_535).default(256),
  headersTimeout: durationSchema.default(5_000).meta({ description: 'Time to receive request headers.' }),
  requestTimeout: durationSchema.default(10_000).meta({ description: 'Time to receive a whole request.' }),
  keepAliveTimeout: durationSchema.default(5_000).meta({ description: 'Idle time of a kept-alive socket.' }),
});

/** Tracing (OpenTelemetry, OTLP over HTTP/protobuf); every key optional, `OTEL_*` fill the gaps. */
export const tracingSchema = z.strictObject({
  enabled: boolean()
    .optional()
    .meta({ description: 'Record and export spans (default: on when OTEL_EXPORTER_OTLP_*ENDPOINT is set).' }),
  endpoint: z
    .url()
    .optional()
    .meta({ description: 'OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces.' }),
  sampleRatio: z
    .preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().min(0).max(1))
    .optional()
    .meta({ description: 'Fraction of new traces sampled, 0..1 (default 1; OTEL_TRACES_SAMPLER_ARG).' }),
  serviceName: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'service.name of the spans (default OTEL_SERVICE_NAME, else polybus).' }),
});

/** The whole `polybus.yaml` file. */
export const configSchema = z
  .strictObject({
    connections: z
      .record(
        z.string().regex(NAME, 'connection name may contain only letters, digits and . _ -'),
        connectionSchema,
      )
      .meta({ description: 'Connection name -> URL (the scheme picks the adapter) or { url, options }.' }),
    http: httpSchema.prefault({}),
    shutdownTimeout: durationSchema
      .default(30_000)
      .meta({ description: 'How long SIGTERM/SIGINT waits for in-flight messages before closing anyway.' }),
    tracing: tracingSchema.optional(),
    workers: z
      .union([z.literal('auto'), integer(1, 256)])
      .default(1)
      .meta({
        description:
          'Worker processes (`auto`: one per core). Routes whose source has a consumer group share it across them; the others run in worker 0. `--workers` overrides it.',
      }),
    routes: z.array(routeSchema).min(1, 'at least one route is required'),
  })
  .meta({ title: 'polybus bridge configuration' });

/** A validated configuration (durations in milliseconds, defaults applied). */
export type BridgeConfig = z.output<typeof configSchema>;
/** One validated route. */
export type RouteConfig = BridgeConfig['routes'][number];
/** One validated sink (`to` entry). */
export type SinkConfig = RouteConfig['to'][number];
/** One validated source (`from`). */
export type SourceConfig = RouteConfig['from'];
/** A validated dead-letter target. */
export type DeadLetterConfig = NonNullable<RouteConfig['deadLetter']>;
