import { randomUUID } from 'node:crypto';
import { ClosedError, type Logger, type Message } from '@polybus/core';
import { checkOutgoingHeaders } from '@polybus/core/adapter-kit';
import { encodeFrames } from './zmq-envelope.js';
import { fromZmqError } from './zmq-errors.js';
import { isPublisher, type SendingSocket } from './zmq-sockets.js';

/**
 * The join handshake. A polybus subscriber also subscribes, for a moment, to `JOIN_PREFIX + token`
 * (a random token); a polybus publisher that reads that subscription answers with a one-frame
 * message `JOIN_PREFIX + token`, which only that subscriber (and subscribers of everything) receive.
 * ZeroMQ sends a subscriber's subscriptions in order on its connection, so when the answer arrives
 * its topic filter is in effect at that publisher. Subscribers ignore join messages.
 */
export const JOIN_PREFIX = '\u0000pbjoin:';

/** Messages sent in a row before a batch yields to the event loop. */
const YIELD_EVERY = 64;

/** Topics one publisher numbers before it starts over under a new `src` (bounds its memory). */
const MAX_SEQUENCED_TOPICS = 65_536;

/**
 * The one sending socket of a transport (XPUB or PUSH). Sends are serialised (zeromq.js allows one
 * pending send per socket); `send` resolves once ZeroMQ queued every message of the call on the
 * socket: in its outgoing pipe(s), not yet necessarily on the wire, never confirmed by a peer. On
 * pub/sub each message is stamped with this socket's id and a per-topic sequence number, so
 * subscribers can count what the high-water mark dropped. On an XPUB it also reads subscription
 * messages and answers the join handshake (see {@link JOIN_PREFIX}).
 */
export class ZmqSender {
  readonly #socket: SendingSocket;
  readonly #endpoint: string;
  readonly #logger: Logger;
  #tail: Promise<void> = Promise.resolve();
  #src = randomUUID();
  readonly #seq = new Map<string, number>();

  /** Wraps `socket`, already bound or connected to `endpoint`; starts reading subscriptions of an XPUB. */
  constructor(socket: SendingSocket, endpoint: string, logger: Logger) {
    this.#socket = socket;
    this.#endpoint = endpoint;
    this.#logger = logger;
    if (isPublisher(socket)) void this.#readSubscriptions(socket);
  }

  /** The endpoint as ZeroMQ reports it (the real port when the OS picked it). */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** True for an XPUB. */
  get publishes(): boolean {
    return isPublisher(this.#socket);
  }

  /**
   * Queues `messages` in order, after every earlier call's messages. Rejects with a DataError (not
   * retriable, nothing of the call queued) when a header breaks the core header policy, a TimeoutError
   * (retriable) when a PUSH found no room within `sendTimeoutMs`, a ClosedError after close; the
   * messages before the failing one were queued.
   */
  send(topic: string | undefined, messages: readonly Message[]): Promise<void> {
    return this.#enqueue(() => this.#sendAll(topic, messages));
  }

  /** Runs `task` after every task queued before it (one send in progress per socket). */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #sendAll(topic: string | undefined, messages: readonly Message[]): Promise<void> {
    // the core header policy, for the whole batch before any frame leaves (nor any sequence number)
    for (const message of messages) checkOutgoingHeaders('zeromq', message.headers);
    let sent = 0;
    for (const message of messages) {
      // zeromq.js resolves a send that fits at once, so a big batch would never leave the event loop
      // to anything else (another route, health checks, a subscription reading in this process).
      if (++sent % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const frames =
        topic === undefined ? encodeFrames(message) : encodeFrames(message, topic, this.#stamp(topic));
      try {
        await this.#socket.send(frames);
      } catch (error) {
        // zeromq.js rejects a send still waiting when the socket closes with EAGAIN, not a close error.
        if (this.#socket.closed)
          throw new ClosedError(`send to ${this.#endpoint}: socket closed`, { cause: error });
        throw fromZmqError(error, `send to ${this.#endpoint}`);
      }
    }
  }

  #stamp(topic: string): { src: string; seq: number } {
    if (!this.#seq.has(topic) && this.#seq.size >= MAX_SEQUENCED_TOPICS) {
      this.#seq.clear();
      this.#src = randomUUID();
    }
    const seq = (this.#seq.get(topic) ?? 0) + 1;
    this.#seq.set(topic, seq);
    return { src: this.#src, seq };
  }

  async #readSubscriptions(socket: SendingSocket & { receive(): Promise<Buffer[]> }): Promise<void> {
    const prefix = Buffer.from(`\u0001${JOIN_PREFIX}`, 'utf8');
    while (!socket.closed) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch (error) {
        if (!socket.closed) this.#logger.debug({ err: error }, 'zmq: reading subscriptions stopped');
        return;
      }
      const first = frames[0] ?? Buffer.alloc(0);
      if (!first.subarray(0, prefix.length).equals(prefix)) continue;
      // Answer through the send queue: zeromq.js allows one pending send per socket.
      const answer = [first.subarray(1)];
      void this.#enqueue(() => socket.send(answer)).catch((error: unknown) => {
        if (!socket.closed) this.#logger.debug({ err: error }, 'zmq: join answer not sent');
      });
    }
  }

  /** Closes the socket; messages still queued keep trying to reach a peer for `lingerMs`. Safe twice. */
  close(): void {
    if (!this.#socket.closed) this.#socket.close();
  }
}
