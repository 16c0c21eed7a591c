import type { Logger } from '@polybus/core';
import { isMessageFault } from '@polybus/core/adapter-kit';
import kafkajs, { type Kafka, type Message as KafkaRecordInput, type Producer } from 'kafkajs';
import { mapKafkaError } from './kafka-errors.js';
import type { KafkaTransportOptions } from './kafka-options.js';
import { ProduceCoalescer } from './produce-coalescer.js';
import { ProducerSlot } from './producer-slot.js';

const { Partitioners } = kafkajs;

/** Most records in one produce request made of several `publish` calls (see {@link ProduceCoalescer}). */
const MAX_COALESCED_RECORDS = 10_000;

/**
 * Bytes a record adds to a produce request, for the group bound: value, key, headers and about 70
 * bytes of record framing (an over-estimate; the broker limits the batch per partition).
 */
function recordBytes(record: KafkaRecordInput): number {
  let bytes = 70 + (record.value === null ? 0 : Buffer.byteLength(record.value as Buffer | string));
  if (typeof record.key === 'string') bytes += Buffer.byteLength(record.key);
  else if (record.key) bytes += record.key.byteLength;
  for (const name in record.headers) {
    const value = record.headers[name];
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (Buffer.isBuffer(value)) bytes += value.byteLength;
    else if (Array.isArray(value)) for (const v of value) bytes += Buffer.byteLength(v);
  }
  return bytes;
}

/**
 * The publishing side of a Kafka transport: one idempotent producer (acks = all, one request in flight,
 * Java-compatible murmur2 key partitioning), replaced by a new one after a request of unknown outcome
 * (see {@link ProducerSlot}), and one {@link ProduceCoalescer} per topic, so concurrent `send` calls for a
 * topic share produce requests. Checks no sizes: the transport checks `maxMessageBytes` before calling.
 */
export class KafkaPublisher {
  readonly #options: KafkaTransportOptions;
  readonly #logger: Logger;
  readonly #slot: ProducerSlot<Producer>;
  readonly #coalescers = new Map<string, ProduceCoalescer<KafkaRecordInput>>();

  /** Creates the (unconnected) producer slot. Does no I/O. */
  constructor(kafka: Kafka, options: KafkaTransportOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#slot = new ProducerSlot(() =>
      kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: options.retries, maxRetryTime: options.retryMaxDelayMs },
      }),
    );
  }

  /** Connects the producer; rejects with the kafkajs error (the caller maps it). */
  async connect(): Promise<void> {
    await this.#slot.acquire();
  }

  /**
   * Sends `records` to `topic` with the next request of its coalescer and resolves once all are
   * acknowledged by all in-sync replicas; rejects with a mapped PolybusError (see the transport).
   */
  send(topic: string, records: KafkaRecordInput[]): Promise<void> {
    return this.#coalescerFor(topic).submit(records);
  }

  /** Disconnects the producer. */
  close(): Promise<void> {
    return this.#slot.close();
  }

  /** The produce coalescer of `topic` (one per topic, so a request never mixes topics and their errors). */
  #coalescerFor(topic: string): ProduceCoalescer<KafkaRecordInput> {
    let coalescer = this.#coalescers.get(topic);
    if (coalescer === undefined) {
      coalescer = new ProduceCoalescer<KafkaRecordInput>({
        // Rejects with the mapped error: the coalescer splits a shared request only on a message fault.
        send: async (records) => {
          const producer = await this.#slot.acquire();
          try {
            await producer.send({ topic, acks: -1, messages: records as KafkaRecordInput[] });
          } catch (error) {
            // The broker may have stored what it did not confirm: a producer that went on would reuse
            // its sequence numbers (see ProducerSlot). A request the broker refused as data did not.
            const mapped = mapKafkaError(error, {
              operation: `publish to "${topic}"`,
              autoCreateTopics: this.#options.autoCreateTopics,
            });
            if (!isMessageFault(mapped)) {
              this.#slot.renew(producer);
              this.#logger.warn(
                { topic, renewals: this.#slot.renewals, err: mapped.message },
                'kafka produce request failed with unknown outcome; publishing with a new producer id',
              );
            }
            throw mapped;
          }
        },
        bytes: recordBytes,
        maxBytes: this.#options.maxMessageBytes,
        maxCount: MAX_COALESCED_RECORDS,
      });
      this.#coalescers.set(topic, coalescer);
    }
    return coalescer;
  }
}
