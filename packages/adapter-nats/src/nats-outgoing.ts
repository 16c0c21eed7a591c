import { type Message, MessageTooLargeError } from '@polybus/core';
import { type MsgHdrs, headers as natsHeaders } from 'nats';
import type { NatsAddress } from './nats-address.js';
import { type NatsOutgoing, toNatsHeaders } from './nats-headers.js';

/** The nats.js header object carrying `out`'s headers, in order. */
export function wireHeaders(out: Pick<NatsOutgoing, 'headers'>): MsgHdrs {
  const h = natsHeaders();
  for (const [name, value] of out.headers) h.append(name, value);
  return h;
}

/** Bytes `out`'s headers take on the wire, counted (not encoded): the `NATS/1.0` line and `name: value\r\n` each. Pure. */
export function headerBytes(out: Pick<NatsOutgoing, 'headers'>): number {
  let size = 12;
  for (const [name, value] of out.headers) size += name.length + Buffer.byteLength(value, 'utf8') + 4;
  return size;
}

/**
 * The NATS headers (and reply subject) of each message for `address` (core addresses carry no
 * `Nats-Msg-Id` semantics), checked against the server's `max_payload` before anything is sent.
 * Throws MessageTooLargeError for the first message whose body plus headers exceed it, DataError for
 * a header NATS cannot carry. Pure.
 */
export function outgoingMessages(
  address: Pick<NatsAddress, 'kind'>,
  messages: readonly Message[],
  maxPayload: number,
): NatsOutgoing[] {
  const core = address.kind === 'core';
  return messages.map((m) => {
    const out = toNatsHeaders(m, { core });
    const size = m.body.byteLength + headerBytes(out);
    if (size > maxPayload) {
      throw new MessageTooLargeError(
        `message ${m.id} needs ${size} bytes with headers; the nats server accepts at most ${maxPayload} (max_payload)`,
      );
    }
    return out;
  });
}
