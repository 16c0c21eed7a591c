import { type MessageView, type SimpleConsumer, StatusChecker } from 'rocketmq-client-nodejs';
// Generated protobuf modules (CommonJS whose exports Node cannot name statically): default imports.
import definitionPb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import servicePb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js';

const { Resource } = definitionPb;
const { ForwardMessageToDeadLetterQueueRequest } = servicePb;

/** The calls a subscription makes on one consumer of one group. */
export interface ReceivingConsumer {
  /** Long-polls for up to `maxMessageNum` messages, each invisible to the group for `invisibleDuration` ms. */
  receive(maxMessageNum: number, invisibleDuration: number): Promise<MessageView[]>;
  /** Acks the message: the group never gets it again. */
  ack(message: MessageView): Promise<void>;
  /** Makes the message visible to the group again after `invisibleDuration` ms (renews the receipt handle). */
  changeInvisibleDuration(message: MessageView, invisibleDuration: number): Promise<void>;
  /** Moves the message to the group's dead-letter topic `%DLQ%<group>` at once (no more deliveries). */
  forwardToDeadLetter(message: MessageView): Promise<void>;
  /** Stops the consumer (safe once). */
  shutdown(): Promise<void>;
}

/**
 * A started SimpleConsumer of the official client, with the dead-letter forward the client offers
 * only inside its push consumer (the same `ForwardMessageToDeadLetterQueue` RPC, built here).
 */
export class SimpleReceivingConsumer implements ReceivingConsumer {
  readonly #consumer: SimpleConsumer;
  readonly #group: string;
  readonly #timeoutMs: number;

  constructor(consumer: SimpleConsumer, group: string, timeoutMs: number) {
    this.#consumer = consumer;
    this.#group = group;
    this.#timeoutMs = timeoutMs;
  }

  receive(maxMessageNum: number, invisibleDuration: number): Promise<MessageView[]> {
    return this.#consumer.receive(maxMessageNum, invisibleDuration);
  }

  ack(message: MessageView): Promise<void> {
    return this.#consumer.ack(message);
  }

  changeInvisibleDuration(message: MessageView, invisibleDuration: number): Promise<void> {
    return this.#consumer.changeInvisibleDuration(message, invisibleDuration);
  }

  async forwardToDeadLetter(message: MessageView): Promise<void> {
    const attempt = message.deliveryAttempt ?? 1;
    const request = new ForwardMessageToDeadLetterQueueRequest()
      .setGroup(new Resource().setName(this.#group))
      .setTopic(new Resource().setName(message.topic))
      .setReceiptHandle(message.receiptHandle)
      .setMessageId(message.messageId)
      .setDeliveryAttempt(attempt)
      .setMaxDeliveryAttempts(attempt);
    const response = await this.#consumer.forwardMessageToDeadLetterQueueViaRpc(
      message.endpoints,
      request,
      this.#timeoutMs,
    );
    StatusChecker.check(response.getStatus()?.toObject());
  }

  shutdown(): Promise<void> {
    return this.#consumer.shutdown();
  }
}
