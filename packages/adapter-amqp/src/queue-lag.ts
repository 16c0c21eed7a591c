import { type LagReport, lagReport } from '@polybus/core';
import type { ChannelModel } from 'amqplib';

/** True when an amqplib error is a channel closed with 404 NOT_FOUND (no such queue). */
function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}

/**
 * The lag report of one queue from its depth: `waiting` = the ready messages `checkQueue`
 * (queue.declare passive) returns as `messageCount`. RabbitMQ does not report delivered-but-unacked
 * messages there, so `inFlight` is undefined and `total` excludes them (a consumer's own in-flight
 * count, or `rabbitmqctl list_queues messages_unacknowledged`, gives them). Pure.
 */
export function queueLagReport(queue: string, messageCount: number | undefined): LagReport {
  if (messageCount === undefined)
    return lagReport([{ name: queue, total: 0, waiting: 0 }], { groupExists: false });
  return lagReport([{ name: queue, total: messageCount, waiting: messageCount }]);
}

/**
 * Asks RabbitMQ for the depth of `queue` on a throwaway channel (a passive declare of a missing queue
 * closes its channel with 404, so it must not be a shared one). A queue that does not exist reports 0
 * with `groupExists: false`: RabbitMQ cannot replay, so a group queue created later starts empty.
 */
export async function fetchQueueLag(connection: ChannelModel, queue: string): Promise<LagReport> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined); // the 404 close is the answer, not a fault
  try {
    const { messageCount } = await channel.checkQueue(queue);
    return queueLagReport(queue, messageCount);
  } catch (error) {
    if (isNotFound(error)) return queueLagReport(queue, undefined);
    throw error;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
