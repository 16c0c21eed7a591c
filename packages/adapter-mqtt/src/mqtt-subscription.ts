import {
  type Address,
  type CloseOptions,
  createMessage,
  type DeliveryHandler,
  type Logger,
  type Subscription,
} from '@polybus/core';
import { DeliveryTracker, SubscriptionLifecycle } from '@polybus/core/adapter-kit';
import type { IClientOptions, IConnackPacket, IPublishPacket, ISubscriptionMap, MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { AttemptCounter } from './attempt-counter.js';
import { connectOnce } from './mqtt-connect.js';
import { fromMqttError } from './mqtt-errors.js';
import { fromMqttPacket } from './mqtt-headers.js';

/** mqtt.js sends the PUBACK of a QoS 1 message only when `handleMessage` calls back without an error. */
const DEFER_ACK = new Error('polybus: PUBACK deferred until the delivery is settled');

/** MQTT 5 PUBACK reason code "unspecified error": the message is taken and dropped (nack without requeue). */
const PUBACK_DROPPED = 0x80;

/** Everything one subscription needs; built by the transport. */
export interface MqttSubscriptionInit {
  readonly address: Address;
  /** What is sent in SUBSCRIBE: the plain filter or `$share/<group>/<filter>`. */
  readonly subscribeFilter: string;
  readonly group?: string;
  readonly qos: 0 | 1;
  readonly maxInFlight: number;
  /** mqtt.js options of this subscription's own connection (client id, clean start, session expiry). */
  readonly clientOptions: IClientOptions;
  readonly protocolVersion: 4 | 5;
  /** Session expiry to set at DISCONNECT on close (0 ends an ephemeral session; undefined keeps it). */
  readonly expiryOnClose?: number;
  readonly logger: Logger;
  /** Called once the subscription ended and its connection is closed. */
  onEnded(subscription: MqttSubscription): void;
}

/**
 * One subscription on its own MQTT connection and session. PUBACK is sent only when the delivery is
 * acked, and only on the connection the message arrived on: after a reconnect the broker resends
 * (with DUP) whatever was not acked, so a late ack of an old delivery does nothing. `nack` (requeue)
 * makes the subscription stop dispatching, wait until its other deliveries are settled and reconnect
 * its session, which makes the broker resend every unacked message (see README). `nack({ requeue:
 * false })` acks with reason code 0x80 (MQTT 5): the message is dropped.
 */
export class MqttSubscription implements Subscription {
  readonly #init: MqttSubscriptionInit;
  readonly #handler: DeliveryHandler;
  readonly #tracker: DeliveryTracker;
  readonly #lifecycle: SubscriptionLifecycle;
  readonly #attempts = new AttemptCounter(10_000);
  /** Messages received while every slot was taken (MQTT 3.1.1 has no receive maximum). */
  readonly #waiting: IPublishPacket[] = [];
  #client: MqttClient | undefined;
  /** Increments on every CONNACK: deliveries of an older connection can no longer be acked. */
  #epoch = 0;
  #redeliverPending = false;

  constructor(init: MqttSubscriptionInit, handler: DeliveryHandler) {
    this.#init = init;
    this.#handler = handler;
    this.#tracker = new DeliveryTracker({
      maxInFlight: init.maxInFlight,
      onHandlerError: (error) =>
        init.logger.debug({ err: error }, 'mqtt handler failed; message will be redelivered'),
      onReleased: () => this.#onReleased(),
    });
    this.#lifecycle = new SubscriptionLifecycle(this.#tracker, {
      release: (end) => this.#release(end.error),
      onReleaseError: (error) => init.logger.debug({ err: error }, 'mqtt subscription release failed'),
    });
  }

  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  /** True while this subscription's connection is up. */
  get connected(): boolean {
    return this.#client?.connected === true;
  }

  get closed(): Promise<Error | undefined> {
    return this.#lifecycle.closed;
  }

  /** Connects the session and subscribes; rejects with a PolybusError (and ends) when either fails. */
  async start(): Promise<void> {
    const client = mqtt.connect({ ...this.#init.clientOptions, manualConnect: true });
    this.#client = client;
    client.handleMessage = (packet, callback) => this.#onPublish(packet, callback);
    // A new connection starts at its CONNACK, not at mqtt.js's 'connect' event: that one fires only
    // after the outgoing store was replayed, and the broker's resent PUBLISHes may be handled before
    // it. They must already belong to the new connection, or their PUBACK would never be sent.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack') this.#onConnack(packet);
    });
    client.on('connect', () => {
      if (this.#epoch > 1) this.#resubscribe(client);
    });
    client.on('disconnect', (packet) => {
      // 0x8E: another connection took this client id (a second process with the same memberId).
      const level = packet.reasonCode === 0x8e ? 'error' : 'warn';
      this.#init.logger[level](
        { clientId: this.#init.clientOptions.clientId, reasonCode: packet.reasonCode },
        packet.reasonCode === 0x8e
          ? 'mqtt session taken over: another process subscribes to this group with the same memberId'
          : 'mqtt broker disconnected the subscription; reconnecting',
      );
    });
    client.on('error', (error) =>
      this.#init.logger.debug({ err: fromMqttError(error, 'subscribe') }, 'mqtt error'),
    );
    let stage: 'connect' | 'subscribe' = 'connect';
    try {
      await connectOnce(client, (this.#init.clientOptions.connectTimeout ?? 10_000) * 2);
      stage = 'subscribe';
      const granted = await client.subscribeAsync(this.#init.subscribeFilter, { qos: this.#init.qos });
      const code = granted[0]?.qos;
      if (code === undefined || code >= 0x80) {
        throw Object.assign(new Error(`subscription to "${this.#init.subscribeFilter}" refused`), { code });
      }
    } catch (error) {
      const failure = fromMqttError(error, stage);
      await this.#lifecycle.fail(failure);
      throw failure;
    }
  }

  #onConnack(connack: IConnackPacket): void {
    if ((connack.reasonCode ?? connack.returnCode ?? 0) !== 0) return; // refused: no new connection
    if (this.#epoch > 0 && this.#init.group !== undefined && connack.sessionPresent !== true) {
      this.#init.logger.warn(
        { clientId: this.#init.clientOptions.clientId, filter: this.#init.subscribeFilter },
        'mqtt group session was not resumed (the broker lost or expired it): what it held unacked is gone; resubscribed',
      );
    }
    this.#epoch++;
    this.#redeliverPending = false;
    // Unacked messages of the old connection: the broker resends them on this one.
    this.#waiting.length = 0;
    if (this.#init.protocolVersion === 5 && this.#init.expiryOnClose === 0) {
      const client = this.#client;
      if (client !== undefined) client.options.clean = false;
    }
  }

  /**
   * Subscribes again after every reconnect, even when the broker says it resumed the session:
   * Mosquitto 2.0 restores a session's queued messages from its persistence file after a restart but
   * not its shared subscriptions (PUBACK 0x10 "no matching subscribers" until a client subscribes
   * again). A repeated SUBSCRIBE of the same filter is harmless.
   */
  #resubscribe(client: MqttClient): void {
    // `resubscribe: true`: otherwise mqtt.js skips a filter it believes is still subscribed.
    const request: ISubscriptionMap = { [this.#init.subscribeFilter]: { qos: this.#init.qos } };
    request.resubscribe = true;
    client.subscribe(request, (error, granted) => {
      const code = granted?.[0]?.qos;
      if (error === null && code !== undefined && code < 0x80) return;
      if (error !== null && !client.connected) return; // connection lost again: the next connect retries
      const failure = fromMqttError(
        error ?? Object.assign(new Error('resubscribe refused'), { code }),
        'subscribe',
      );
      this.#init.logger.error(
        { err: failure, filter: this.#init.subscribeFilter },
        'mqtt resubscribe failed',
      );
      void this.#lifecycle.fail(failure);
    });
  }

  close(options?: CloseOptions): Promise<void> {
    return this.#lifecycle.close(options);
  }

  #onPublish(packet: IPublishPacket, callback: (error?: Error) => void): void {
    if (packet.qos === 0) {
      callback();
      if (!this.#lifecycle.ending) this.#offer(packet);
      return;
    }
    // QoS 1 (QoS 2 is never granted: subscriptions ask for at most 1). No PUBACK now.
    callback(DEFER_ACK);
    if (this.#lifecycle.ending || this.#redeliverPending) return; // unacked: the broker resends it
    this.#offer(packet);
  }

  #offer(packet: IPublishPacket): void {
    if (this.#tracker.freeSlots > 0 && this.#waiting.length === 0) this.#dispatch(packet);
    else this.#waiting.push(packet);
  }

  #onReleased(): void {
    if (this.#redeliverPending) {
      if (this.#tracker.inFlight === 0) this.#reconnectForRedelivery();
      return;
    }
    while (this.#tracker.freeSlots > 0 && this.#waiting.length > 0) {
      const next = this.#waiting.shift();
      if (next !== undefined) this.#dispatch(next);
    }
  }

  #dispatch(packet: IPublishPacket): void {
    const epoch = this.#epoch;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const message =
      this.#init.protocolVersion === 5
        ? fromMqttPacket(payload, packet.properties, { now: Date.now() })
        : createMessage({ body: payload });
    const attempt = this.#attempts.next(message.id, packet.dup === true);
    const messageId = packet.messageId;
    const qos = packet.qos;
    this.#tracker.dispatch(this.#handler, {
      message,
      attempt,
      source: {
        address: this.#init.address,
        subject: packet.topic,
        redelivered: packet.dup === true,
        ...(this.#init.group === undefined ? {} : { group: this.#init.group }),
      },
      ack: () => {
        this.#attempts.forget(message.id);
        if (qos > 0 && messageId !== undefined) return this.#puback(epoch, messageId, 0);
      },
      nack: ({ requeue }) => {
        if (qos === 0 || messageId === undefined) return;
        if (!requeue) {
          this.#attempts.forget(message.id);
          return this.#puback(epoch, messageId, this.#init.protocolVersion === 5 ? PUBACK_DROPPED : 0);
        }
        if (epoch === this.#epoch) this.#requestRedelivery();
      },
    });
  }

  /** Sends PUBACK on the connection the message came from; a no-op once that connection is gone. */
  #puback(epoch: number, messageId: number, reasonCode: number): Promise<void> | undefined {
    const client = this.#client;
    if (client === undefined || epoch !== this.#epoch || !client.connected) return undefined;
    return new Promise<void>((resolve) => {
      const packet =
        this.#init.protocolVersion === 5
          ? { cmd: 'puback', messageId, reasonCode }
          : { cmd: 'puback', messageId };
      // mqtt.js has no public API for a deferred PUBACK; _sendPacket writes it as its own handlers do.
      (client as unknown as SendPacket)._sendPacket(packet, () => resolve());
    });
  }

  #requestRedelivery(): void {
    this.#redeliverPending = true;
    this.#waiting.length = 0;
  }

  /** Drops the connection (no DISCONNECT): mqtt.js reconnects with clean start off and the broker resends. */
  #reconnectForRedelivery(): void {
    const client = this.#client;
    if (client === undefined || this.#lifecycle.ending || !client.connected) return;
    this.#init.logger.debug(
      { clientId: client.options.clientId },
      'mqtt nack: reconnecting the session for redelivery',
    );
    client.stream.destroy();
  }

  async #release(error: Error | undefined): Promise<void> {
    const client = this.#client;
    this.#waiting.length = 0;
    try {
      if (client !== undefined) {
        const expiry = this.#init.expiryOnClose;
        const disconnect =
          this.#init.protocolVersion === 5 && expiry !== undefined
            ? { reasonCode: 0, properties: { sessionExpiryInterval: expiry } }
            : { reasonCode: 0 };
        await new Promise<void>((resolve) => {
          client.end(error !== undefined || !client.connected, disconnect, () => resolve());
        });
      }
    } finally {
      this.#init.onEnded(this);
    }
  }
}

interface SendPacket {
  _sendPacket(packet: object, callback: () => void): void;
}
