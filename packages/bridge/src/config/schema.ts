import { z } from 'zod';
import { durationSchema } from '../duration.js';

const NAME = /^[A-Za-z0-9._-]+$/;
/** An integer, also accepted as a string of digits (so `${PORT}` works after substitution). */
const integer = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );
/** A boolean, also accepted as the string `true` / `false`. */
const boolean = () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A JSONata expression, compiled when the config is loaded. */
const expression = z.string().min(1, 'expression must not be empty');

/** `name: URL` or `name: { url, options }`. */
export const connectionSchema = z.union([
  z.string().min(1),
  z.strictObject({
    url: z.string().min(1).meta({ description: 'Connection URL; its scheme picks the adapter.' }),
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Adapter options, validated by the adapter's own schema." }),
  }),
]);

const endpointBase = {
  connection: z.string().min(1).meta({ description: 'Name of a connection under `connections`.' }),
  address: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "The adapter's default kind of address as a string (instead of native keys)." }),
};

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
  })
  .catchall(scalar);

/** Where a route writes to; `when` (JSONata) selects the messages this sink gets. */
export const sinkSchema = z
  .object({
    ...endpointBase,
    when: expression
      .optional()
      .meta({ description: 'JSONata predicate: only messages for which it holds go to this sink.' }),
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
});

/** HTTP server for health, metrics and admin. */
export const httpSchema = z.strictObject({
  enabled: boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: integer(0, 65_535).default(9464),
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
    http: httpSchema.default({ enabled: true, host: '127.0.0.1', port: 9464 }),
    shutdownTimeout: durationSchema
      .default(30_000)
      .meta({ description: 'How long SIGTERM/SIGINT waits for in-flight messages before closing anyway.' }),
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

/** The JSON Schema of the config format (input side: what a user writes). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
