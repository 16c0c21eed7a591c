import type { Address } from './address.js';
import type { Message } from './message.js';
import type { Transport } from './transport.js';

/** One message read by a {@link MessageReader}, with where it sits on the broker. */
export interface ReadRecord {
  readonly message: Message;
  /** The part it was read from: Kafka partition number as text, stream key, JetStream stream name. */
  readonly part: string;
  /** Its position in that part: Kafka offset, Redis entry id, JetStream stream sequence (decimal text). */
  readonly position: string;
}

/** Options of {@link MessageReader.read}. */
export interface ReadOptions {
  /**
   * Where to start, per part: the position of the first record to read (inclusive), as returned in
   * {@link ReadRecord.position}; for Kafka `"<partition>:<offset>"` pairs joined with commas, or one
   * offset for every partition. Default: the earliest retained message.
   */
  from?: string;
  /** Stop after this many records. Default: no limit (stop at the end captured at start). */
  limit?: number;
  /** Stops the iteration early (the iterator then returns without error). */
  signal?: AbortSignal;
}

/** Optional ability: reads an address without consuming it (no group, no ack, no offset commit). */
export interface MessageReader {
  /**
   * Reads the messages of `address` in broker order, per part, from `from` (default: the earliest
   * retained) up to the end captured when the iteration starts, then ends: messages published after
   * the start are not read. Nothing is consumed, acknowledged or committed: other consumers and
   * groups see no change. Memory is bounded (the reader pages). Breaking out of the loop releases
   * what the reader holds. Rejects (on the first `next()`) with AddressError for an address that
   * cannot be read this way, NotConnectedError, ClosedError or ConnectionError.
   */
  read(address: Address, options?: ReadOptions): AsyncIterable<ReadRecord>;
}

/** True when the transport offers {@link MessageReader}. */
export function isMessageReader(transport: Transport): transport is Transport & MessageReader {
  return typeof (transport as Partial<MessageReader>).read === 'function';
}
