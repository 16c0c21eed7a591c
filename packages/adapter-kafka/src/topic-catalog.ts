import { AddressError } from '@polybus/core';
import type { Admin } from 'kafkajs';
import { mapKafkaError } from './kafka-errors.js';
import type { KafkaTransportOptions } from './kafka-options.js';
import { withMetadataRetry } from './metadata-retry.js';

/** The topics a transport has used, with their partition counts, created on first use when allowed. */
export class TopicCatalog {
  readonly #admin: Admin;
  readonly #options: KafkaTransportOptions;
  readonly #topics = new Map<string, Promise<number>>();

  /** Uses `admin` (connected by the transport) for lookups and creation. Does no I/O. */
  constructor(admin: Admin, options: KafkaTransportOptions) {
    this.#admin = admin;
    this.#options = options;
  }

  /**
   * Makes sure `topic` exists (creating it when `autoCreateTopics`) and resolves with its partition
   * count. Cached per topic; a failed lookup is forgotten, so the next call tries again. Rejects with
   * AddressError (invalid, or unknown without auto-create) or another mapped error.
   */
  ensure(topic: string): Promise<number> {
    let known = this.#topics.get(topic);
    if (known === undefined) {
      known = this.#load(topic);
      this.#topics.set(topic, known);
      known.catch(() => this.#topics.delete(topic));
    }
    return known;
  }

  /**
   * Rejects with AddressError when `topic` does not exist; never creates it (lag and read only look).
   * A topic this catalog already knows resolves at once.
   */
  async requireExisting(topic: string): Promise<void> {
    if (this.#topics.has(topic)) return;
    let existing: string[];
    try {
      existing = await this.#admin.listTopics();
    } catch (error) {
      throw mapKafkaError(error, { operation: `look up topic "${topic}"`, autoCreateTopics: false });
    }
    if (!existing.includes(topic)) throw new AddressError(`kafka topic "${topic}" does not exist`);
  }

  async #load(topic: string): Promise<number> {
    const context = {
      operation: `look up topic "${topic}"`,
      autoCreateTopics: this.#options.autoCreateTopics,
    };
    try {
      // Right after a create (here, or by another client at the same moment) a loaded broker can
      // answer UNKNOWN_TOPIC_OR_PARTITION (retriable) to kafkajs' leader check or to the metadata
      // request for a while: the whole lookup is retried with backoff on such errors.
      return await withMetadataRetry(
        () => this.#lookUp(topic),
        async () => undefined,
      );
    } catch (error) {
      throw mapKafkaError(error, context);
    }
  }

  /** One attempt: list, create when missing (and allowed), read the partition count. */
  async #lookUp(topic: string): Promise<number> {
    // listTopics never auto-creates (a metadata request for one topic would, on default brokers).
    const existing = await this.#admin.listTopics();
    if (!existing.includes(topic)) {
      if (!this.#options.autoCreateTopics) {
        throw new AddressError(`kafka topic "${topic}" does not exist and autoCreateTopics is off`);
      }
      await this.#admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: this.#options.topicPartitions,
            replicationFactor: this.#options.replicationFactor,
          },
        ],
      });
    }
    const metadata = await this.#admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 1;
  }
}
