import { z } from 'zod';
import { curveOptionsSchema } from './zmq-curve.js';

/** Default largest body, in bytes (receiving sockets disconnect a peer that sends a larger frame). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Options schema of `zmq+tcp://` and `zmq+ipc://` connections (see {@link ZmqTransportOptions}). */
export const zmqOptionsSchema = z.strictObject({
  /**
   * The socket pattern of the endpoint (one endpoint speaks one pattern): `pubsub` (PUB/SUB: every
   * subscriber gets every message whose topic starts with its filter) or `pushpull` (PUSH/PULL: the
   * pullers connected to a pusher share its messages round-robin).
   */
  pattern: z.enum(['pubsub', 'pushpull']).default('pubsub'),
  /**
   * Which socket of this transport binds the URL's endpoint; the others connect to it. `sender`
   * (default, bound in `connect()`): the publisher/pusher binds, subscribers/pullers connect.
   * `receiver`: the one subscription of this transport binds (a PULL collecting from pushers that
   * connect), senders connect. `none`: everything connects (the peer or a proxy binds).
   */
  bind: z.enum(['sender', 'receiver', 'none']).default('sender'),
  /** ZMQ_SNDHWM: messages queued per peer before PUB drops and PUSH blocks. */
  sendHighWaterMark: z.number().int().nonnegative().default(1_000),
  /** ZMQ_RCVHWM: messages queued per peer on a receiving socket before the sender's HWM applies. */
  receiveHighWaterMark: z.number().int().nonnegative().default(1_000),
  /**
   * How long `publish` waits for a PUSH socket to take a message (no puller connected, or every
   * puller's queue full) before rejecting with a retriable TimeoutError. PUB never waits: it drops.
   */
  sendTimeoutMs: z.number().int().positive().default(30_000),
  /** ZMQ_LINGER: how long messages still queued when a socket closes are kept trying to reach a peer. */
  lingerMs: z.number().int().nonnegative().default(1_000),
  /** Largest body accepted by `publish` and by receiving sockets (ZMQ_MAXMSGSIZE, plus envelope room). */
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
  /** SUB subscriptions: messages read from the socket waiting for a handler slot before the oldest is dropped. */
  maxPending: z.number().int().positive().default(65_536),
  /**
   * How long `subscribe` waits to be joined before it resolves anyway: on pub/sub for a polybus
   * publisher to confirm the topic filter (a raw publisher never does), on push/pull for the first
   * connection handshake. 0: do not wait.
   */
  joinTimeoutMs: z.number().int().nonnegative().default(1_000),
  /** ZMQ_RECONNECT_IVL: first wait before a connecting socket retries. */
  reconnectIntervalMs: z.number().int().positive().default(100),
  /** ZMQ_RECONNECT_IVL_MAX: the retry wait doubles up to this (0: no backoff). */
  reconnectMaxIntervalMs: z.number().int().nonnegative().default(5_000),
  /** ZMTP heartbeat interval (0: off); a peer silent for 3 intervals is disconnected. */
  heartbeatIntervalMs: z.number().int().nonnegative().default(0),
  /** CURVE encryption and server authentication of every socket (see `curveOptionsSchema`); off when absent. */
  curve: curveOptionsSchema.optional(),
});

/** Validated options of a ZeroMQ connection (the output of {@link zmqOptionsSchema}). */
export type ZmqTransportOptions = z.output<typeof zmqOptionsSchema>;
