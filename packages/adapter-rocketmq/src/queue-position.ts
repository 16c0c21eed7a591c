/**
 * Where a received RocketMQ message sits in the subscribed topic: its message queue id and the offset in
 * that queue. The gRPC client's `MessageView` keeps the queue offset but drops the queue id; the receipt
 * handle the broker issues for a pop carries both, as space-separated fields
 * (`startOffset retrieveTime invisibleTime reviveQueueId topicType brokerName queueId queueOffset
 * commitLogOffset`).
 */
export interface QueuePosition {
  /** The message queue id (what `delivery.source.partition` names). */
  readonly queueId?: number;
  /** The offset in that queue, as a decimal string. */
  readonly offset?: string;
}

/** `topicType` field of a receipt handle for a message read from the topic itself (not the group's retry topic). */
const NORMAL_TOPIC = '0';
const FIELDS = 9;

/**
 * The position of a message in its topic, from its receipt handle and queue offset. Pure; never throws.
 *
 * - A message read from the topic's own queues: queue id and offset, when the handle parses and its offset
 *   field matches `queueOffset` (so a handle format this code does not know yields no queue id, not a wrong one).
 * - A redelivery read from the group's retry topic (`%RETRY%<group>`): neither, because its queue id and
 *   offset name a place in that retry topic, where they would collide with positions of the topic itself.
 * - A handle that does not parse: the offset alone, as before (no queue id).
 */
export function queuePosition(receiptHandle: string, queueOffset: number | undefined): QueuePosition {
  const offset = queueOffset === undefined ? undefined : String(queueOffset);
  const fields = receiptHandle.split(' ');
  if (fields.length !== FIELDS) return offset === undefined ? {} : { offset };
  const topicType = fields[4];
  const queueId = fields[6]!;
  if (topicType !== NORMAL_TOPIC) return {};
  if (offset === undefined || fields[7] !== offset || !/^\d{1,9}$/.test(queueId)) {
    return offset === undefined ? {} : { offset };
  }
  return { queueId: Number(queueId), offset };
}
