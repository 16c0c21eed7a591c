import { type TlsOptions, tlsOptionsSchema } from '@polybus/core/adapter-kit';
import { z } from 'zod';

/** Options of a `redis://` / `rediss://` connection (validated and defaulted by {@link redisOptionsSchema}). */
export interface RedisTransportOptions {
  /**
   * When set, every XADD trims the stream to about this many entries (`MAXLEN ~ n`). Trimmed entries
   * are gone, also for groups that had not read them yet.
   * @defaultValue undefined (no trimming)
   */
  maxLen?: number | undefined;
  /**
   * Visibility timeout: a pending entry idle this long (its consumer died, or its handler hangs) is
   * reclaimed by another member of the group with XAUTOCLAIM.
   * @defaultValue 30000
   */
  claimIdleMs: number;
  /** Longest single `BLOCK` of a stream read, in ms. @defaultValue 5000 */
  blockMs: number;
  /**
   * Stable consumer name for group subscriptions. When set, a restarted process drains its own
   * pending entries first (XREADGROUP from id 0). When unset, each subscription gets a unique name and
   * what a dead one left pending is reclaimed by the others after `claimIdleMs`.
   * @defaultValue undefined (unique per subscription)
   */
  consumerName?: string | undefined;
  /** Prefix of the `CLIENT SETNAME` of every connection (`<prefix>:<role>:<id>`). @defaultValue 'polybus' */
  connectionNamePrefix: string;
  /** Largest body accepted on streams, in bytes. @defaultValue 67108864 (64 MiB) */
  maxMessageBytes: number;
  /** Largest body accepted on Pub/Sub channels, in bytes. @defaultValue 4194304 (4 MiB) */
  maxChannelMessageBytes: number;
  /** Pub/Sub messages buffered per subscription beyond `maxInFlight`; the oldest are dropped past it. @defaultValue 100000 */
  channelBufferSize: number;
  /** TCP connect timeout, in ms. @defaultValue 10000 */
  connectTimeoutMs: number;
  /**
   * Longest wait for the reply to a command other than a blocking read (a publish pipeline, XACK, the
   * claims of pending entries, the lag query), in ms. Past it the call fails with a retriable error
   * instead of waiting for ever on a reply that will not come (ioredis can lose a pipeline that a
   * reconnect cut in two). The command itself is not cancelled: a publish that timed out may still be
   * stored, so its retry can duplicate it (at-least-once).
   * @defaultValue 30000
   */
  commandTimeoutMs: number;
  /**
   * Reconnect attempts a command issued while disconnected waits for before it fails with a
   * retriable error (ioredis `maxRetriesPerRequest`).
   * @defaultValue 20
   */
  maxRetriesPerRequest: number;
  /** ACL user name (Redis 6+); a user in the URL takes precedence. @defaultValue undefined (`default` user) */
  username?: string | undefined;
  /**
   * Password (`AUTH`); a password in the URL takes precedence. Prefer `passwordFile` or
   * `${file:/run/secrets/x}` / `${VAR}` over writing it inline. @defaultValue undefined
   */
  password?: string | undefined;
  /** File holding the password (one trailing newline removed); wins over `password`. @defaultValue undefined */
  passwordFile?: string | undefined;
  /**
   * TLS settings (CA file, client certificate and key, server name, verification). Setting it turns
   * TLS on also for a `redis://` URL; a `rediss://` URL without it uses TLS with the system CAs.
   * @defaultValue undefined
   */
  tls?: TlsOptions | undefined;
}

/** Options schema of `redis://` connections; the single source for validation, defaults and docs. */
export const redisOptionsSchema = z.strictObject({
  maxLen: z.number().int().positive().optional(),
  claimIdleMs: z.number().int().min(10).default(30_000),
  blockMs: z.number().int().min(10).max(60_000).default(5_000),
  consumerName: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'consumerName must not contain spaces')
    .optional(),
  connectionNamePrefix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/, 'connectionNamePrefix may contain only letters, digits and . _ : -')
    .default('polybus'),
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .max(512 * 1024 * 1024 - 64 * 1024)
    .default(64 * 1024 * 1024),
  maxChannelMessageBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  channelBufferSize: z.number().int().positive().default(100_000),
  connectTimeoutMs: z.number().int().positive().default(10_000),
  commandTimeoutMs: z.number().int().min(100).default(30_000),
  maxRetriesPerRequest: z.number().int().min(0).default(20),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  passwordFile: z.string().min(1).optional(),
  tls: tlsOptionsSchema.optional(),
}) satisfies z.ZodType<RedisTransportOptions>;
