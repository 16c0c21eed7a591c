import { tlsOptionsSchema } from '@polybus/core/adapter-kit';
import { z } from 'zod';

/** Configuration of streams the adapter creates on demand (see `createStreams`). */
export const natsStreamOptionsSchema = z.strictObject({
  /** `file` keeps messages across server restarts; `memory` is faster and volatile. */
  storage: z.enum(['file', 'memory']).default('file'),
  /** Drop messages older than this (0 = keep until other limits apply). */
  maxAgeMs: z.number().int().nonnegative().default(0),
  /** Window within which a second message with the same `Nats-Msg-Id` is dropped (server default 2 min). */
  duplicateWindowMs: z.number().int().positive().default(120_000),
  /** Keep at most this many messages (-1 = unlimited). */
  maxMsgs: z.number().int().min(-1).default(-1),
  /** Keep at most this many bytes (-1 = unlimited). */
  maxBytes: z.number().int().min(-1).default(-1),
  /** Replicas in a clustered JetStream (1 on a single server). */
  replicas: z.number().int().min(1).max(5).default(1),
});

/** Options schema of `nats://` connections (see {@link NatsTransportOptions}). */
export const natsOptionsSchema = z.strictObject({
  /**
   * Create a stream when a JetStream address's subject is captured by none: named after the subject
   * (sanitised) or the address's `stream`, capturing just that subject. Off: such an address fails
   * with an AddressError.
   */
  createStreams: z.boolean().default(false),
  /** Settings of streams created on demand. */
  stream: natsStreamOptionsSchema.default(() => natsStreamOptionsSchema.parse({})),
  /** JetStream redelivers a message not acked within this time (consumer `ack_wait`). */
  ackWaitMs: z.number().int().min(1000).default(30_000),
  /** Most deliveries of one message, after which JetStream stops redelivering it (-1 = unlimited). */
  maxDeliver: z.number().int().min(-1).default(-1),
  /** Most unacked messages of one consumer across all members of its group (consumer `max_ack_pending`). */
  maxAckPending: z.number().int().min(-1).default(1_000),
  /** How often a still-unsettled delivery tells JetStream it is being worked on (`+WPI`); default ackWait/3. */
  workingIntervalMs: z.number().int().min(100).optional(),
  /** Lifetime of one pull request; an idle subscription re-pulls this often. */
  fetchExpiresMs: z.number().int().min(1000).default(5_000),
  /** A consumer of a subscription without a group is removed by the server after this long without a pull. */
  ephemeralInactiveMs: z.number().int().min(1000).default(60_000),
  /**
   * Wait for the server to confirm each ack (`ackAck`, a request/reply) before `ack()` resolves. Off by
   * default: at-least-once holds without it (a lost ack only means a redelivery; `close()` drains the
   * connection, so acks sent before a clean stop reach the server), and confirming costs a round trip
   * and an allocation per message.
   */
  confirmAcks: z.boolean().default(false),
  /** Timeout of JetStream API calls, PubAcks and confirmed acks. */
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** Timeout of the first connection. */
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Reconnect attempts after a lost connection (-1 = forever). */
  maxReconnectAttempts: z.number().int().min(-1).default(-1),
  /** Wait between reconnect attempts to the same server. */
  reconnectTimeWaitMs: z.number().int().nonnegative().default(1_000),
  /** Core NATS subscriptions: messages kept waiting for a free handler slot before the oldest are dropped. */
  maxPendingCore: z.number().int().positive().default(65_536),
  /** Connection name shown by the server (`connz`). */
  name: z.string().min(1).default('polybus'),
  /** User name (a user in the URL takes precedence). Give one kind of credentials only. */
  user: z.string().min(1).optional(),
  /** Password of `user`. Prefer `passwordFile`, `${file:/run/secrets/x}` or `${VAR}` over writing it inline. */
  password: z.string().optional(),
  /** File holding the password of `user` (one trailing newline removed); wins over `password`. */
  passwordFile: z.string().min(1).optional(),
  /** Authentication token (a token in the URL, `nats://token@host`, takes precedence). */
  token: z.string().min(1).optional(),
  /** File holding the token (one trailing newline removed); wins over `token`. */
  tokenFile: z.string().min(1).optional(),
  /** File holding an NKEY user seed (`SU...`); the server's `authorization` lists its public key. */
  nkeySeedFile: z.string().min(1).optional(),
  /** A `.creds` file (user JWT + NKEY seed) for servers in operator/JWT mode. */
  credsFile: z.string().min(1).optional(),
  /**
   * TLS settings: CA file, client certificate and key, server name, verification (on by default).
   * Without it, TLS is still used when the server requires it, verified against the system CAs.
   */
  tls: tlsOptionsSchema.optional(),
});

/** Validated options of a `nats://` connection (the output of {@link natsOptionsSchema}). */
export type NatsTransportOptions = z.output<typeof natsOptionsSchema>;

/** Validated settings of streams created on demand. */
export type NatsStreamOptions = z.output<typeof natsStreamOptionsSchema>;
