import { randomUUID } from 'node:crypto';
import {
  AddressError,
  ConfigError,
  createMessage,
  describeAddress,
  isMessageReader,
  type Message,
  type Transport,
  UnsupportedError,
} from '@polybus/core';
import { endpointAddress } from '../config/endpoint.js';
import type { BridgeConfig, RouteConfig } from '../config/schema.js';
import { DeadLetterHeaders } from '../route/dead-letter.js';

/** Where one dead letter sits on its broker (see `ReadRecord`). */
export interface DeadLetterRef {
  /** Kafka partition, Redis stream key, JetStream stream name. */
  readonly part: string;
  /** Kafka offset, Redis entry id, JetStream sequence. */
  readonly position: string;
}

/** One dead letter as the admin API shows it. */
export interface DeadLetterEntry extends DeadLetterRef {
  readonly id: string;
  readonly key?: string;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 text when it is valid UTF-8, else base64; cut at {@link BODY_PREVIEW_BYTES}. */
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly bodyBytes: number;
}

/** Most body bytes an entry shows. */
export const BODY_PREVIEW_BYTES = 4096;
/** Most records scanned to find one dead letter by its position. */
const FIND_SCAN_LIMIT = 10_000;
/** Header naming the id of the dead letter a replayed message was made from. */
export const REPLAY_OF_HEADER = 'x-polybus-replay-of';

/** What the browser reads the running bridge through. */
export interface DeadLetterSource {
  config(): BridgeConfig;
  /** The connected transport of a connection. */
  transport(name: string): Transport | undefined;
}

function preview(body: Uint8Array): Pick<DeadLetterEntry, 'body' | 'bodyEncoding' | 'bodyBytes'> {
  const cut = body.subarray(0, BODY_PREVIEW_BYTES);
  try {
    return {
      body: new TextDecoder('utf-8', { fatal: true }).decode(cut),
      bodyEncoding: 'utf8',
      bodyBytes: body.length,
    };
  } catch {
    return { body: Buffer.from(cut).toString('base64'), bodyEncoding: 'base64', bodyBytes: body.length };
  }
}

/**
 * The message a replay publishes: the dead letter's body, key and headers without the bridge's
 * `x-polybus-error/route/source/attempts`, a fresh id (a broker that drops duplicate ids, such as
 * JetStream, would drop the original one) and `x-polybus-replay-of: <original id>`. Pure.
 */
export function replayMessage(letter: Message): Message {
  const headers: Record<string, string> = {};
  const dropped = new Set<string>(Object.values(DeadLetterHeaders));
  for (const [name, value] of Object.entries(letter.headers)) if (!dropped.has(name)) headers[name] = value;
  headers[REPLAY_OF_HEADER] = letter.id;
  return createMessage({
    id: randomUUID(),
    body: letter.body,
    headers,
    ...(letter.key === undefined ? {} : { key: letter.key }),
  });
}

/**
 * Browses the dead-letter target of each route through its adapter's `MessageReader` (Kafka, Redis
 * Streams, JetStream: read without consuming, nothing acked or committed), replays a dead letter to
 * the route's source address and discards one. The broker keeps every dead letter (there is no
 * per-message delete on Kafka, and the reader never consumes): replay and discard mark the letter
 * handled in this process, and the list leaves handled letters out. The marks live in memory: after
 * a restart every retained dead letter is listed again. Targets that cannot be read without
 * consuming them (RabbitMQ queues, MQTT, AMQP 1.0, memory) are refused with UnsupportedError.
 */
export class DeadLetterBrowser {
  readonly #source: DeadLetterSource;
  readonly #handled = new Map<string, Set<string>>();

  constructor(source: DeadLetterSource) {
    this.#source = source;
  }

  #target(routeName: string) {
    const route = this.#source.config().routes.find((r) => r.name === routeName);
    if (!route) throw new ConfigError(`no route ${routeName}`);
    if (!route.deadLetter) throw new ConfigError(`route ${routeName} has no dead-letter target`);
    const transport = this.#source.transport(route.deadLetter.connection);
    if (!transport)
      throw new ConfigError(`route ${routeName}: connection ${route.deadLetter.connection} is gone`);
    if (!isMessageReader(transport))
      throw new UnsupportedError(
        `the dead-letter target of route ${routeName} (${transport.scheme}) cannot be read without consuming it`,
      );
    const address = endpointAddress(route.deadLetter);
    const label = `${route.deadLetter.connection}/${describeAddress(address)}`;
    let handled = this.#handled.get(label);
    if (!handled) {
      handled = new Set();
      this.#handled.set(label, handled);
    }
    return { route, reader: transport, address, handled };
  }

  /**
   * Up to `limit` dead letters of `routeName` not yet handled, oldest first, and how many were
   * handled in this process. Rejects with ConfigError (no such route, no dead-letter target),
   * UnsupportedError (target not readable) or the reader's errors.
   */
  async list(routeName: string, limit = 100): Promise<{ entries: DeadLetterEntry[]; handled: number }> {
    const { reader, address, handled } = this.#target(routeName);
    const entries: DeadLetterEntry[] = [];
    for await (const { message, part, position } of reader.read(address)) {
      if (handled.has(`${part}\n${position}`)) continue;
      entries.push({
        part,
        position,
        id: message.id,
        ...(message.key === undefined ? {} : { key: message.key }),
        timestamp: message.timestamp,
        headers: message.headers,
        ...preview(message.body),
      });
      if (entries.length >= limit) break;
    }
    return { entries, handled: handled.size };
  }

  async #find(routeName: string, ref: DeadLetterRef) {
    const target = this.#target(routeName);
    if (target.handled.has(`${ref.part}\n${ref.position}`)) return { target, message: undefined };
    for await (const r of target.reader.read(target.address, { from: ref.position, limit: FIND_SCAN_LIMIT }))
      if (r.part === ref.part && r.position === ref.position) return { target, message: r.message };
    return { target, message: undefined };
  }

  /**
   * Publishes the dead letter at `ref` (see {@link replayMessage}) to the route's source address —
   * every group reading that address sees it again — then marks it handled. Resolves false when there
   * is no unhandled dead letter at `ref`. Rejects like {@link list}, with AddressError for a `stdio://`
   * source, or with the source's publish error (then nothing is marked).
   */
  async replay(routeName: string, ref: DeadLetterRef): Promise<boolean> {
    const { target, message } = await this.#find(routeName, ref);
    if (!message) return false;
    const route: RouteConfig = target.route;
    const source = this.#source.transport(route.from.connection);
    if (!source) throw new ConfigError(`route ${routeName}: connection ${route.from.connection} is gone`);
    if (source.scheme === 'stdio')
      throw new AddressError(`route ${routeName} reads stdin: nothing to replay to`);
    await source.publish(endpointAddress(route.from), [replayMessage(message)]);
    target.handled.add(`${ref.part}\n${ref.position}`);
    return true;
  }

  /**
   * Marks the dead letter at `ref` handled without publishing it (the broker keeps it until its
   * retention removes it). Resolves false when there is no unhandled dead letter at `ref`.
   */
  async discard(routeName: string, ref: DeadLetterRef): Promise<boolean> {
    const { target, message } = await this.#find(routeName, ref);
    if (!message) return false;
    target.handled.add(`${ref.part}\n${ref.position}`);
    return true;
  }
}
