import {
  ConnectionError,
  type Logger,
  type Message,
  MessageTooLargeError,
  type PolybusError,
  PublishError,
  TimeoutError,
} from '@polybus/core';
import type { EventContext, Delivery as RheaDelivery, Message as RheaMessage, Sender } from 'rhea';
import rhea from 'rhea';
import { type Amqp1Address, routingCapability } from './amqp1-address.js';
import type { Amqp1Connection } from './amqp1-connection.js';
import { fromAmqp1Error } from './amqp1-errors.js';
import { toAmqp1Fields } from './header-mapping.js';

/** A sent message waiting for the broker's disposition. */
interface Pending {
  resolve(): void;
  reject(error: PolybusError): void;
}

/** One cached sending link and what waits on it. */
interface SenderSlot {
  readonly sender: Promise<Sender>;
  readonly pending: Map<RheaDelivery, Pending>;
  /** Called on `sendable`; with an error when the link or connection is gone. */
  readonly creditWaiters: Set<(error?: PolybusError) => void>;
}

/**
 * Publishes on one sending link per address (attached on first use, re-attached by rhea after a
 * reconnect). Every message is sent unsettled and durable; `publish` resolves once the broker settled
 * each one as `accepted`. `rejected` fails it with the error the broker gave (mapped by condition),
 * `released` / `modified` with a retriable {@link PublishError}; a connection lost before the
 * disposition with a retriable {@link ConnectionError} (the message may have been stored: publish
 * again, at-least-once).
 */
export class Amqp1Publisher {
  readonly #connection: Amqp1Connection;
  readonly #maxMessageBytes: number;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #senders = new Map<string, SenderSlot>();

  constructor(connection: Amqp1Connection, maxMessageBytes: number, timeoutMs: number, logger: Logger) {
    this.#connection = connection;
    this.#maxMessageBytes = maxMessageBytes;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
    connection.listen({ onDisconnected: () => this.#failAll() });
  }

  /** See {@link Amqp1Publisher}. Safe to call concurrently; messages of one call go out in order. */
  async publish(address: Amqp1Address, messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    // encode everything first: a bad message fails the call before anything is sent
    const encoded = messages.map((m) => this.#encode(m));
    const slot = this.#slot(address);
    const sender = await slot.sender;
    const outcomes: Promise<void>[] = [];
    const epoch = this.#connection.epoch;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `amqp1: no disposition for a publish to ${address.name} within ${this.#timeoutMs} ms`,
            ),
          ),
        this.#timeoutMs,
      );
    });
    timeout.catch(() => undefined);
    try {
      for (const body of encoded) {
        if (!sender.sendable()) await Promise.race([this.#credit(slot, sender, epoch), timeout]);
        const delivery = sender.send(body);
        outcomes.push(
          new Promise<void>((resolve, reject) => slot.pending.set(delivery, { resolve, reject })),
        );
      }
      await Promise.race([Promise.all(outcomes), timeout]);
    } finally {
      clearTimeout(timer);
      for (const o of outcomes) o.catch(() => undefined);
    }
  }

  #encode(message: Message): RheaMessage {
    if (message.body.byteLength > this.#maxMessageBytes) {
      throw new MessageTooLargeError(
        `message ${message.id} has ${message.body.byteLength} bytes, more than maxMessageBytes (${this.#maxMessageBytes})`,
      );
    }
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    return { ...toAmqp1Fields(message), body: rhea.message.data_section(body) };
  }

  /** Resolves when `sender` can send; rejects when the link or its connection (epoch) is gone meanwhile. */
  #credit(slot: SenderSlot, sender: Sender, epoch: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (error?: PolybusError): void => {
        if (error !== undefined || this.#connection.epoch !== epoch) {
          slot.creditWaiters.delete(check);
          reject(
            error ??
              new ConnectionError(
                `amqp1: connection to ${this.#connection.where} lost while waiting for credit`,
              ),
          );
        } else if (sender.sendable()) {
          slot.creditWaiters.delete(check);
          resolve();
        }
      };
      slot.creditWaiters.add(check);
    });
  }

  #slot(address: Amqp1Address): SenderSlot {
    const key = `${address.kind}:${address.name}`;
    let slot = this.#senders.get(key);
    if (slot) return slot;
    const pending = new Map<RheaDelivery, Pending>();
    const creditWaiters = new Set<(error?: PolybusError) => void>();
    const sender = this.#connection
      .openSender({
        target: { address: address.name, capabilities: [routingCapability(address)] },
        snd_settle_mode: 0,
        autosettle: true,
      })
      .then((s) => {
        this.#wire(s, pending, creditWaiters, key, address);
        return s;
      });
    sender.catch(() => {
      if (this.#senders.get(key) === slot) this.#senders.delete(key);
    });
    slot = { sender, pending, creditWaiters };
    this.#senders.set(key, slot);
    return slot;
  }

  #wire(
    sender: Sender,
    pending: Map<RheaDelivery, Pending>,
    creditWaiters: Set<(error?: PolybusError) => void>,
    key: string,
    address: Amqp1Address,
  ): void {
    const settle = (context: EventContext, outcome: (p: Pending) => void): void => {
      const delivery = context.delivery;
      if (!delivery) return;
      const p = pending.get(delivery);
      if (!p) return;
      pending.delete(delivery);
      outcome(p);
    };
    sender.on('accepted', (c: EventContext) => settle(c, (p) => p.resolve()));
    sender.on('rejected', (c: EventContext) =>
      settle(c, (p) => {
        const state = c.delivery?.remote_state as { error?: unknown } | undefined;
        p.reject(
          fromAmqp1Error(state?.error, 'publish', `amqp1: the broker rejected a message for ${address.name}`),
        );
      }),
    );
    sender.on('released', (c: EventContext) =>
      settle(c, (p) =>
        p.reject(new PublishError(`amqp1: the broker released a message for ${address.name} (not stored)`)),
      ),
    );
    sender.on('sendable', () => {
      for (const w of [...creditWaiters]) w();
    });
    // a detach by the broker ends this link for good: fail what waits on it, attach anew next time
    const evict = (error: PolybusError): void => {
      if (this.#senders.get(key)?.pending === pending) this.#senders.delete(key);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
      for (const w of [...creditWaiters]) w(error);
    };
    sender.on('sender_error', (c: EventContext) => {
      const error = fromAmqp1Error(
        c.sender?.error,
        'publish',
        `amqp1: the broker detached the sender of ${address.name}`,
      );
      this.#logger.warn({ err: error, address: address.name }, 'amqp1: sender detached');
      evict(error);
    });
    sender.on('sender_close', () =>
      evict(
        new PublishError(`amqp1: the sender of ${address.name} was detached before the broker confirmed`),
      ),
    );
  }

  /** Fails every message waiting for a disposition or credit (the connection is gone). */
  #failAll(): void {
    for (const slot of this.#senders.values()) {
      if (slot.pending.size > 0) {
        const error = new ConnectionError(
          `amqp1: connection to ${this.#connection.where} lost before the broker confirmed ${slot.pending.size} message(s)`,
        );
        for (const p of slot.pending.values()) p.reject(error);
        slot.pending.clear();
      }
      for (const w of [...slot.creditWaiters]) w();
    }
  }
}
