import { z } from 'zod';

/** Options schema of `rocketmq://` connections (see {@link RocketmqTransportOptions}). */
export const rocketmqOptionsSchema = z.strictObject({
  /** ACL access key (overrides the URL's user name). */
  accessKey: z.string().min(1).optional(),
  /** ACL secret key (overrides the URL's password). Never logged. */
  secretKey: z.string().min(1).optional(),
  /** RocketMQ namespace prefixed to topics and groups by the proxy ('' = none). */
  namespace: z.string().default(''),
  /**
   * How long a received message stays invisible to the rest of its group while the handler works on
   * it; a delivery unsettled for longer is renewed at two thirds of it. The proxy's minimum is 10 s.
   */
  invisibleDurationMs: z
    .number()
    .int()
    .min(10_000)
    .max(12 * 3600_000)
    .default(30_000),
  /** Long-polling wait of one receive call (the proxy clamps it to 5..20 s by default). */
  pollWaitMs: z.number().int().min(5_000).max(20_000).default(5_000),
  /** Most messages asked for in one receive call (also bounded by the subscription's free slots). */
  receiveBatch: z.number().int().min(1).max(32).default(32),
  /** Timeout of one request to the proxy (send, ack, route), besides the long-polling wait. */
  requestTimeoutMs: z.number().int().min(1_000).default(5_000),
  /** Attempts of one send inside the client before `publish` rejects. */
  sendAttempts: z.number().int().min(1).max(16).default(3),
  /** Most sends of one `publish` call in flight at once. */
  publishConcurrency: z.number().int().min(1).max(256).default(32),
  /** Timeout of the reachability check in `connect()`. */
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /**
   * How long `subscribe()` waits for the first receive call to reach the broker before it resolves
   * (a new group's position is fixed by its first receive).
   */
  subscribeSettleMs: z.number().int().nonnegative().default(500),
});

/** Validated options of a `rocketmq://` connection (the output of {@link rocketmqOptionsSchema}). */
export type RocketmqTransportOptions = z.output<typeof rocketmqOptionsSchema>;
