import { AddressError, type Message, PublishError } from '@polybus/core';
import type { JetStreamClient } from 'nats';
import type { NatsAddress } from './nats-address.js';
import { fromNatsError, isNoResponders } from './nats-errors.js';
import type { NatsOutgoing } from './nats-headers.js';
import { wireHeaders } from './nats-outgoing.js';
import type { StreamResolver } from './stream-resolver.js';

/** A JetStream address to publish to. */
export type JetStreamTarget = NatsAddress & { kind: 'jetstream' };

/** What a {@link JetStreamPublisher} publishes with. */
export interface JetStreamPublisherInit {
  /** The connection's JetStream client (throws ClosedError / NotConnectedError when there is none). */
  readonly jetStream: () => JetStreamClient;
  readonly resolver: StreamResolver;
  /** Create a missing stream (and re-create a vanished one before resending). */
  readonly createStreams: boolean;
  readonly requestTimeoutMs: number;
}

/**
 * Publishes to JetStream: every message of a call at once (pipelined) with `Nats-Msg-Id` = message id,
 * so a resend within the stream's duplicate window is dropped by the server.
 */
export class JetStreamPublisher {
  readonly #init: JetStreamPublisherInit;

  constructor(init: JetStreamPublisherInit) {
    this.#init = init;
  }

  /**
   * Resolves when every PubAck arrived (a duplicate PubAck counts as accepted). With `createStreams`,
   * a stream that vanished since it was resolved is created again and the messages it refused are
   * sent once more (same ids: deduplicated). Rejects with AddressError (no stream captures the
   * subject, or the named stream is gone), PublishError (retriable: JetStream did not answer, or the
   * broker refused), TimeoutError or another PolybusError. `outgoing[i]` belongs to `messages[i]`.
   */
  async publish(
    target: JetStreamTarget,
    messages: readonly Message[],
    outgoing: readonly NatsOutgoing[],
  ): Promise<void> {
    const { resolver, createStreams } = this.#init;
    const stream = createStreams || target.stream !== undefined ? await resolver.resolve(target) : undefined;
    let pending = messages.map((_, i) => i);
    for (let round = 0; ; round++) {
      const failures = await this.#send(target, stream, messages, outgoing, pending);
      if (failures.length === 0) return;
      const noStream = failures.filter((f) => isNoResponders(f.error));
      if (noStream.length === failures.length && round === 0 && createStreams) {
        // The stream vanished since it was resolved: create it again and resend (same ids: deduplicated).
        resolver.forget(target);
        await resolver.resolve(target);
        pending = noStream.map((f) => f.index);
        continue;
      }
      throw await this.#error(target, failures[0]!.error, failures.length, messages.length);
    }
  }

  async #send(
    target: JetStreamTarget,
    stream: string | undefined,
    messages: readonly Message[],
    outgoing: readonly NatsOutgoing[],
    indexes: readonly number[],
  ): Promise<Array<{ index: number; error: unknown }>> {
    const js = this.#init.jetStream();
    const results = await Promise.allSettled(
      indexes.map((i) =>
        js.publish(target.subject, messages[i]!.body, {
          headers: wireHeaders(outgoing[i]!),
          timeout: this.#init.requestTimeoutMs,
          ...(target.stream === undefined || stream === undefined ? {} : { expect: { streamName: stream } }),
        }),
      ),
    );
    const failures: Array<{ index: number; error: unknown }> = [];
    results.forEach((r, n) => {
      if (r.status === 'rejected') failures.push({ index: indexes[n]!, error: r.reason });
    });
    return failures;
  }

  async #error(target: JetStreamTarget, error: unknown, failed: number, total: number): Promise<Error> {
    const context = `publish of ${failed}/${total} message(s) to ${target.subject}`;
    if (!isNoResponders(error)) {
      const mapped = fromNatsError(error, context);
      return mapped.code === 'BROKER_ERROR' ? new PublishError(mapped.message, { cause: error }) : mapped;
    }
    // 503: either no stream captures the subject (an address error) or JetStream is not ready (retriable).
    const { resolver } = this.#init;
    resolver.forget(target);
    try {
      await resolver.resolve(target);
    } catch (lookup) {
      if (lookup instanceof AddressError)
        return new AddressError(`${context}: ${lookup.message}`, { cause: error });
    }
    return new PublishError(`${context}: JetStream did not answer (no responders)`, { cause: error });
  }
}
