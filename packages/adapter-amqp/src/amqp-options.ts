import { type TlsOptions, tlsOptionsSchema } from '@polybus/core/adapter-kit';
import { z } from 'zod';

const ARGUMENT_VALUE = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Options schema of `amqp://` / `amqps://` connections: the single source for validation, defaults and
 * docs (see {@link AmqpTransportOptions} for what each option means).
 */
export const amqpOptionsSchema = z
  .strictObject({
    queueType: z.enum(['classic', 'quorum']).default('classic'),
    durable: z.boolean().default(true),
    queueArguments: z.record(z.string(), ARGUMENT_VALUE).default({}),
    heartbeatSeconds: z.number().int().min(0).default(30),
    connectAttempts: z.number().int().min(1).default(3),
    reconnect: z
      .strictObject({
        initialDelayMs: z.number().int().positive().default(100),
        maxDelayMs: z.number().int().positive().default(5_000),
      })
      .prefault({}),
    publishTimeoutMs: z.number().int().positive().default(30_000),
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 * 1024),
    mandatoryTopicPublish: z.boolean().default(false),
    connectionName: z.string().min(1).optional(),
    authMechanism: z.enum(['PLAIN', 'EXTERNAL']).default('PLAIN'),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    passwordFile: z.string().min(1).optional(),
    tls: tlsOptionsSchema.optional(),
  })
  .refine((o) => o.queueType !== 'quorum' || o.durable, {
    message: 'quorum queues are always durable: queueType "quorum" needs durable: true',
    path: ['durable'],
  });

/** Options of an {@link AmqpTransport}, as {@link amqpOptionsSchema} produces them (defaults applied). */
export interface AmqpTransportOptions {
  /**
   * Type of the group queues the adapter declares (`<address>.<group>`): `classic` or `quorum`
   * (quorum queues report a delivery count, so `attempt` survives process restarts).
   * @defaultValue 'classic'
   */
  queueType: 'classic' | 'quorum';
  /**
   * Whether the topic exchanges and group queues the adapter declares survive a broker restart.
   * Messages are always published persistent (delivery mode 2).
   * @defaultValue true
   */
  durable: boolean;
  /**
   * Extra `x-arguments` for the group queues the adapter declares (e.g. `x-dead-letter-exchange`,
   * `x-max-length`). Queues that already exist must have been declared with the same arguments.
   * @defaultValue {}
   */
  queueArguments: Record<string, string | number | boolean>;
  /** AMQP heartbeat in seconds (0 disables it; a dead peer is then noticed only by TCP). @defaultValue 30 */
  heartbeatSeconds: number;
  /** Attempts of the first `connect()` before it rejects with a ConnectionError. @defaultValue 3 */
  connectAttempts: number;
  /**
   * Backoff between reconnect attempts after the connection was lost (exponential with jitter).
   * Reconnecting never gives up until `close()`.
   * @defaultValue { initialDelayMs: 100, maxDelayMs: 5000 }
   */
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /**
   * Longest a `publish` waits overall — for a connection during an outage and for the broker's
   * confirms — before rejecting with a TimeoutError. `subscribe` waits for a connection as long.
   * @defaultValue 30000
   */
  publishTimeoutMs: number;
  /**
   * Largest body accepted; RabbitMQ 3.x refuses bodies above its `max_message_size`, 128 MiB by
   * default (RabbitMQ 4 lowered it to 16 MiB: set this to match your broker).
   * @defaultValue 134217728
   */
  maxMessageBytes: number;
  /**
   * Publish to string (topic) addresses with `mandatory`, so a message no queue is bound for rejects
   * with an UnroutableError instead of being dropped. `{ queue }` and `{ exchange }` addresses are
   * always published mandatory.
   * @defaultValue false
   */
  mandatoryTopicPublish: boolean;
  /** Connection name shown in the RabbitMQ management UI. @defaultValue none */
  connectionName?: string | undefined;
  /**
   * SASL mechanism: `PLAIN` (user name and password, from the URL or `username`/`password`) or
   * `EXTERNAL` (the broker takes the user from the client certificate: needs `tls.certFile`/`keyFile`
   * and RabbitMQ's `rabbitmq_auth_mechanism_ssl` plugin).
   * @defaultValue 'PLAIN'
   */
  authMechanism: 'PLAIN' | 'EXTERNAL';
  /** User name for PLAIN when the URL has no credentials (URL credentials take precedence). @defaultValue none */
  username?: string | undefined;
  /**
   * Password for PLAIN with `username`. Prefer `passwordFile`, `${file:/run/secrets/x}` or `${VAR}` over
   * writing it inline. @defaultValue none
   */
  password?: string | undefined;
  /** File holding the password (one trailing newline removed); wins over `password`. @defaultValue none */
  passwordFile?: string | undefined;
  /**
   * TLS settings: CA file, client certificate and key, server name, verification (on by default).
   * Setting it turns TLS on also for an `amqp://` URL (default port then 5671); an `amqps://` URL
   * without it uses TLS with the system CAs.
   * @defaultValue none
   */
  tls?: TlsOptions | undefined;
}
