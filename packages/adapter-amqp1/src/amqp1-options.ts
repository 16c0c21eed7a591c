import { tlsOptionsSchema } from '@polybus/core/adapter-kit';
import { z } from 'zod';

/** Options schema of `amqp1://` / `amqps1://` connections (see {@link Amqp1TransportOptions}). */
export const amqp1OptionsSchema = z.strictObject({
  /** AMQP container id of this connection; default a random one per transport. */
  containerId: z.string().min(1).optional(),
  /** Timeout of the first connection (TCP, SASL, open). */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** Time a publish waits for the broker's dispositions before it rejects with a TimeoutError. */
  publishTimeoutMs: z.number().int().positive().default(30_000),
  /** Time attaching a link (sender or receiver) may take. */
  attachTimeoutMs: z.number().int().positive().default(15_000),
  /** First wait before reconnecting after a lost connection; doubles up to `maxReconnectDelayMs`. */
  initialReconnectDelayMs: z.number().int().positive().default(100),
  /** Longest wait between reconnect attempts. */
  maxReconnectDelayMs: z.number().int().positive().default(5_000),
  /** Idle timeout announced to the broker (heartbeats at half of it); 0 turns it off. */
  idleTimeoutMs: z.number().int().nonnegative().default(30_000),
  /** Largest frame this side accepts; bigger messages span several frames. */
  maxFrameSize: z
    .number()
    .int()
    .min(512)
    .default(1024 * 1024),
  /**
   * Largest message body `publish` accepts (a MessageTooLargeError above it, before anything is sent).
   * Artemis streams large messages to disk, so its limit is the disk and the broker's settings.
   */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** SASL PLAIN user name (replaces the URL's userinfo). Never logged. */
  username: z.string().min(1).optional(),
  /** SASL PLAIN password (replaces the URL's). Never logged. Prefer `passwordFile` or `${VAR}`. */
  password: z.string().optional(),
  /** File holding the password (one trailing newline removed); wins over `password` and the URL. */
  passwordFile: z.string().min(1).optional(),
  /**
   * TLS settings shared by every adapter (CA file, client certificate and key, server name,
   * verification); set and enabled, it turns `amqp1://` into TLS too. Files are read on `connect()`.
   */
  tls: tlsOptionsSchema.optional(),
  /** TLS (`amqps1://`) without a `tls` block: verify the broker's certificate. */
  rejectUnauthorized: z.boolean().default(true),
  /** TLS (`amqps1://`) without a `tls` block: PEM CA certificate(s) (the text) to trust instead of the system's. */
  ca: z.string().min(1).optional(),
});

/** Validated options of an AMQP 1.0 connection (the output of {@link amqp1OptionsSchema}). */
export type Amqp1TransportOptions = z.output<typeof amqp1OptionsSchema>;
