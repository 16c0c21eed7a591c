import { z } from 'zod';
import { durationSchema } from '../duration.js';

const positive = (description: string) => z.number().int().min(1).meta({ description });

/** `routes[].rateLimit`: most messages (and optionally bytes) per second a route takes in. */
export const rateLimitSchema = z.strictObject({
  messages: positive('Most messages per second the route takes from its source.'),
  bytes: positive('Most body bytes per second the route takes from its source.').optional(),
});

/** `routes[].lag`: how often the route asks the source broker for its group's lag. */
export const lagSchema = z.strictObject({
  interval: durationSchema.default(10_000).meta({ description: 'Time between two lag queries.' }),
});

/** `routes[].ledger`: the file a route appends one line to per message it moved (for `polybus verify`). */
export const ledgerSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .meta({ description: 'Ledger file (JSON Lines, appended; relative to the working directory).' }),
});

/** `routes[].dedupe`: drop messages whose id the route already moved within the window. */
export const dedupeSchema = z.strictObject({
  window: durationSchema.default(600_000).meta({ description: 'How long a moved id is remembered.' }),
  count: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(100_000)
    .meta({ description: 'Most ids remembered (about 100 bytes each).' }),
  key: z.enum(['id']).default('id').meta({ description: 'What identifies a message: its id.' }),
  seed: z.enum(['sink', 'none']).default('sink').meta({
    description:
      'sink: on start, remember the last `count` ids of the first sink (read without consuming; Kafka, Redis stream, JetStream), so a restart after a crash still drops re-sent ids. none: this process only.',
  }),
});

/** The route keys of the migration features (spread into the route schema). */
export const routeExtras = {
  rateLimit: rateLimitSchema
    .optional()
    .meta({ description: 'Throttle: a token bucket per second gating intake (before the pipeline).' }),
  ledger: ledgerSchema.optional().meta({
    description:
      'Record every message moved (id, key, body and header hashes), fsynced before the source ack, for `polybus verify`.',
  }),
  dedupe: dedupeSchema.optional().meta({
    description: 'Drop (and ack) a message whose id the route already moved within the window.',
  }),
  lag: lagSchema
    .prefault({})
    .meta({ description: 'Lag monitor of the source group (where the broker reports lag).' }),
};
