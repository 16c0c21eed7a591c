import { AddressError, type Logger } from '@polybus/core';
import {
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from 'nats';
import { fromNatsError, JsErrCode, jsErrCode } from './nats-errors.js';
import { streamNameFor } from './nats-names.js';
import type { NatsStreamOptions } from './nats-options.js';

/** A JetStream address as the resolver sees it. */
export interface StreamTarget {
  readonly subject: string;
  readonly stream?: string;
}

const NO_STREAM = 'no stream matches subject';

/**
 * Finds the stream that captures a JetStream subject and, when asked (`createStreams`), creates it:
 * named after the address's `stream` or after the subject (sanitised), capturing just that subject.
 * Answers are cached per address; {@link forget} drops one (after the stream vanished). Concurrent
 * lookups of one address share a single request. Rejects with {@link AddressError} (not retriable)
 * when no stream captures the subject and creation is off, or when the named stream does not exist;
 * with a retriable error when the server cannot answer.
 */
export class StreamResolver {
  readonly #cache = new Map<string, Promise<string>>();

  constructor(
    private readonly jsm: () => Promise<JetStreamManager>,
    private readonly createStreams: boolean,
    private readonly streamOptions: NatsStreamOptions,
    private readonly logger: Logger,
  ) {}

  /** The name of the stream capturing `target`'s subject (creating it if allowed). */
  resolve(target: StreamTarget): Promise<string> {
    const key = `${target.stream ?? ''}\u0000${target.subject}`;
    let found = this.#cache.get(key);
    if (found === undefined) {
      found = this.#lookup(target);
      this.#cache.set(key, found);
      found.catch(() => this.#cache.delete(key));
    }
    return found;
  }

  /** Drops the cached answer for `target`, so the next {@link resolve} asks the server again. */
  forget(target: StreamTarget): void {
    this.#cache.delete(`${target.stream ?? ''}\u0000${target.subject}`);
  }

  async #lookup(target: StreamTarget): Promise<string> {
    const jsm = await this.jsm();
    if (target.stream !== undefined) {
      try {
        await jsm.streams.info(target.stream);
        return target.stream;
      } catch (error) {
        if (jsErrCode(error) !== JsErrCode.streamNotFound)
          throw fromNatsError(error, `stream ${target.stream} info`);
      }
      if (!this.createStreams) {
        throw new AddressError(`JetStream stream "${target.stream}" does not exist (createStreams is off)`);
      }
      return this.#create(jsm, target.stream, target.subject);
    }
    const existing = await this.#find(jsm, target.subject);
    if (existing !== undefined) return existing;
    if (!this.createStreams) {
      throw new AddressError(
        `no JetStream stream captures subject "${target.subject}" (createStreams is off; create a stream or use { subject, core: true })`,
      );
    }
    return this.#create(jsm, streamNameFor(target.subject), target.subject);
  }

  async #find(jsm: JetStreamManager, subject: string): Promise<string | undefined> {
    try {
      return await jsm.streams.find(subject);
    } catch (error) {
      if (error instanceof Error && error.message === NO_STREAM) return undefined;
      throw fromNatsError(error, `finding the stream of subject ${subject}`);
    }
  }

  async #create(jsm: JetStreamManager, name: string, subject: string): Promise<string> {
    const o = this.streamOptions;
    const duplicateWindow = o.maxAgeMs > 0 ? Math.min(o.duplicateWindowMs, o.maxAgeMs) : o.duplicateWindowMs;
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [subject],
      storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(o.maxAgeMs),
      duplicate_window: nanos(duplicateWindow),
      max_msgs: o.maxMsgs,
      max_bytes: o.maxBytes,
      num_replicas: o.replicas,
    };
    try {
      await jsm.streams.add(config);
      this.logger.info({ stream: name, subject }, 'nats: created JetStream stream');
      return name;
    } catch (error) {
      const code = jsErrCode(error);
      if (code === JsErrCode.streamNameInUse || code === JsErrCode.subjectsOverlap) {
        // Someone else created it meanwhile, or another stream captures the subject: look again.
        const again = await this.#find(jsm, subject);
        if (again !== undefined) return again;
        throw new AddressError(
          `cannot create JetStream stream "${name}" for subject "${subject}": ${String((error as Error).message)}`,
          { cause: error },
        );
      }
      throw fromNatsError(error, `creating JetStream stream ${name}`);
    }
  }
}
