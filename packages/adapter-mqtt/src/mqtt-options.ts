import { tlsOptionsSchema } from '@polybus/core/adapter-kit';
import { z } from 'zod';

/** Options schema of `mqtt://` / `mqtts://` connections (see {@link MqttTransportOptions}). */
export const mqttOptionsSchema = z.strictObject({
  /** MQTT protocol version: 5 (default; headers, shared subscriptions, flow control) or 4 (3.1.1). */
  protocolVersion: z.union([z.literal(5), z.literal(4)]).default(5),
  /** QoS of publishes and subscriptions: 1 (at-least-once, default), 0 (at-most-once) or 2 (publish only; see README). */
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  /** User name (overrides the URL's userinfo). Never logged. */
  username: z.string().optional(),
  /** Password (overrides the URL's userinfo). Never logged. Prefer `passwordFile` or `${VAR}`. */
  password: z.string().optional(),
  /** File holding the password (one trailing newline removed); wins over `password` and the URL. */
  passwordFile: z.string().min(1).optional(),
  /** Prefix of every client id this transport derives. */
  clientIdPrefix: z
    .string()
    .regex(/^[0-9A-Za-z_-]*$/, 'letters, digits, "_" and "-" only')
    .default('pb-'),
  /**
   * This process's member name within its groups (e.g. the worker index or pod name). Part of the
   * client id of every group session, so a restarted process with the same `memberId` resumes its
   * predecessor's sessions and gets what that one left unacked. Processes that share a group at the
   * same time need different `memberId`s.
   */
  memberId: z
    .string()
    .regex(/^[0-9A-Za-z_-]+$/, 'letters, digits, "_" and "-" only')
    .default('m0'),
  /** How long the broker keeps a group session (and its unacked and queued messages) while no member is connected. */
  sessionExpirySeconds: z.number().int().min(1).max(0xffffffff).default(86_400),
  /** Largest body accepted on publish (also capped by the broker's CONNACK maximum packet size). */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** MQTT keep-alive in seconds. */
  keepaliveSeconds: z.number().int().min(0).max(65_535).default(30),
  /** Timeout of the first connection (and of each reconnect attempt). */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** Wait between reconnect attempts. */
  reconnectPeriodMs: z.number().int().positive().default(1_000),
  /** A publish not acknowledged (PUBACK/PUBCOMP) within this time rejects with a TimeoutError. */
  publishTimeoutMs: z.number().int().positive().default(30_000),
  /** mqtts: verify the server certificate (`tls.rejectUnauthorized` wins when `tls` is set). */
  rejectUnauthorized: z.boolean().default(true),
  /**
   * TLS settings shared by every adapter (CA, client certificate and key, server name, verification);
   * set and enabled, it turns `mqtt://` into TLS too. Files are read on each connection attempt.
   */
  tls: tlsOptionsSchema.optional(),
});

/** Validated options of an MQTT transport (defaults applied). */
export type MqttTransportOptions = z.output<typeof mqttOptionsSchema>;
