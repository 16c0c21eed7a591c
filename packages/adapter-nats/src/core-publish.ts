import { isPolybusError, type Message } from '@polybus/core';
import { withDeadline } from '@polybus/core/adapter-kit';
import type { NatsConnection } from 'nats';
import { fromNatsError } from './nats-errors.js';
import type { NatsOutgoing } from './nats-headers.js';
import { wireHeaders } from './nats-outgoing.js';

/**
 * Publishes to core NATS (at-most-once): hands every message to the client (its `reply-to` as the
 * native reply subject), then resolves after a flush round trip, i.e. once the server received them;
 * whether anyone was subscribed is not known. Rejects with a PolybusError from the client, or
 * TimeoutError when the flush got no answer within `timeoutMs`. `outgoing[i]` belongs to `messages[i]`.
 */
export async function publishCore(
  nc: NatsConnection,
  subject: string,
  messages: readonly Message[],
  outgoing: readonly NatsOutgoing[],
  timeoutMs: number,
): Promise<void> {
  try {
    messages.forEach((m, i) => {
      const out = outgoing[i]!;
      nc.publish(subject, m.body, {
        headers: wireHeaders(out),
        ...(out.reply === undefined ? {} : { reply: out.reply }),
      });
    });
  } catch (error) {
    throw fromNatsError(error, `publish to ${subject}`);
  }
  await withDeadline(nc.flush(), timeoutMs, `flush of ${subject}`).catch((error: unknown) => {
    throw isPolybusError(error) ? error : fromNatsError(error, `flush of ${subject}`);
  });
}
