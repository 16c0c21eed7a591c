import { randomBytes } from 'node:crypto';
import {
  type Address,
  type Capabilities,
  ClosedError,
  type CloseOptions,
  ConnectionError,
  type DeliveryHandler,
  type HealthStatus,
  type Logger,
  type Message,
  MessageTooLargeError,
  NotConnectedError,
  redactUrl,
  type SubscribeOptions,
  type Subscription,
  TimeoutError,
  type Transport,
} from '@polybus/core';
import type { IClientOptions, MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { checkTopicName, parseMqttAddress, sharedFilter, subscriptionTarget } from './mqtt-address.js';
import { mqttCapabilities } from './mqtt-capabilities.js';
import { groupClientId, processSessionSlots } from './mqtt-client-id.js';
import { connectOnce } from './mqtt-connect.js';
import { fromMqttError } from './mqtt-errors.js';
import { toMqttProperties } from './mqtt-headers.js';
import type { MqttTransportOptions } from './mqtt-options.js';
import { mqttSecurityOptions } from './mqtt-security.js';
import { MqttSubscription } from './mqtt-subscription.js';
import { type MqttEndpoint, parseMqttUrl } from './mqtt-url.js';

/** Bytes a PUBLISH needs besides body and topic, with the properties this adapter writes (generous). */
const PUBLISH_OVERHEAD = 1024;

/**
 * An MQTT connection for publishing, plus one connection (and session) per subscription, so a
 * subscription's acks, flow control and nack-by-reconnect never disturb the others. See README.
 */
export class MqttTransport implements Transport {
  readonly scheme: string;
  readonly #url: string;
  readonly #endpoint: MqttEndpoint;
  readonly #options: MqttTransportOptions;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<MqttSubscription>();
  #publisher: MqttClient | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #serverMaxPacket: number | undefined;

  constructor(url: string, options: MqttTransportOptions, logger: Logger) {
    this.#endpoint = parseMqttUrl(url);
    this.scheme = this.#endpoint.protocol;
    this.#url = url;
    this.#options = options;
    this.#logger = logger;
  }

  get capabilities(): Capabilities {
    return mqttCapabilities(this.#options, this.#maxBody());
  }

  capabilitiesFor(address: Address): Capabilities {
    parseMqttAddress(address);
    return this.capabilities;
  }

  /** Largest body: the option, capped by the broker's maximum packet size once connected. */
  #maxBody(): number {
    const server = this.#serverMaxPacket;
    return server === undefined
      ? this.#options.maxMessageBytes
      : Math.min(this.#options.maxMessageBytes, server - PUBLISH_OVERHEAD);
  }

  connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError('mqtt transport is closed'));
    this.#connecting ??= this.#openPublisher().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  /** mqtt.js options shared by every connection of this transport (credentials included, never logged). */
  #baseOptions(
    clientId: string,
    security = mqttSecurityOptions(this.#endpoint, this.#options),
  ): IClientOptions {
    const e = this.#endpoint;
    return {
      host: e.host,
      port: e.port,
      protocolVersion: this.#options.protocolVersion,
      clientId,
      keepalive: this.#options.keepaliveSeconds,
      connectTimeout: this.#options.connectTimeoutMs,
      reconnectPeriod: this.#options.reconnectPeriodMs,
      ...security,
    };
  }

  async #openPublisher(): Promise<void> {
    const clientId = `${this.#options.clientIdPrefix}pub-${randomBytes(6).toString('hex')}`;
    const base = this.#baseOptions(clientId); // a ConfigError (unreadable file) rejects connect()
    const client = mqtt.connect({ ...base, clean: true, manualConnect: true });
    client.on('error', (error) =>
      this.#logger.debug({ err: fromMqttError(error, 'connect') }, 'mqtt publisher error'),
    );
    try {
      const connack = await connectOnce(client, this.#options.connectTimeoutMs * 2);
      this.#serverMaxPacket = connack.properties?.maximumPacketSize;
    } catch (error) {
      client.end(true);
      const failure = fromMqttError(error, 'connect');
      throw new ConnectionError(`cannot connect to ${redactUrl(this.#url)}: ${failure.message}`, {
        cause: failure,
        retriable: failure.retriable,
        ...(failure.details === undefined ? {} : { details: failure.details }),
      });
    }
    this.#publisher = client;
  }

  async publish(address: Address, messages: readonly Message[]): Promise<void> {
    if (this.#closing) throw new ClosedError('mqtt transport is closed');
    const target = parseMqttAddress(address);
    checkTopicName(target.topic);
    const client = this.#publisher;
    if (client === undefined)
      throw new NotConnectedError('mqtt transport is not connected: call connect() first');
    const qos = target.qos ?? this.#options.qos;
    const max = this.#maxBody();
    for (const m of messages) {
      if (m.body.byteLength > max) {
        throw new MessageTooLargeError(
          `message ${m.id} has ${m.body.byteLength} bytes; this MQTT connection takes at most ${max}`,
        );
      }
    }
    const v5 = this.#options.protocolVersion === 5;
    // Build every packet first, so a data error rejects before anything is sent.
    const packets = messages.map((m) => ({ m, properties: v5 ? toMqttProperties(m) : undefined }));
    await Promise.all(
      packets.map(({ m, properties }) =>
        this.#publishOne(client, target.topic, m, {
          qos,
          retain: target.retain === true,
          ...(properties ? { properties } : {}),
        }),
      ),
    );
  }

  #publishOne(
    client: MqttClient,
    topic: string,
    m: Message,
    options: mqtt.IClientPublishOptions,
  ): Promise<void> {
    const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
    const timeoutMs = this.#options.publishTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TimeoutError(`mqtt publish of ${m.id} not acknowledged within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.publish(topic, body, options, (error) => {
        clearTimeout(timer);
        if (error) reject(fromMqttError(error, 'publish'));
        else resolve();
      });
    });
  }

  async subscribe(
    address: Address,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closing) throw new ClosedError('mqtt transport is closed');
    const { topic } = parseMqttAddress(address);
    const target = subscriptionTarget(topic, options.group);
    const o = this.#options;
    const qos: 0 | 1 = o.qos === 0 ? 0 : 1;
    const maxInFlight = options.maxInFlight ?? 16;
    const v5 = o.protocolVersion === 5;
    const security = mqttSecurityOptions(this.#endpoint, o); // may throw a ConfigError: before any claim
    let clientId: string;
    let release = (): void => undefined;
    let clientOptions: IClientOptions;
    let expiryOnClose: number | undefined;
    if (target.group !== undefined) {
      const base = groupClientId(o.clientIdPrefix, target.group, target.filter, o.memberId, 0).replace(
        /-0$/,
        '',
      );
      const slot = processSessionSlots.claim(base);
      release = () => processSessionSlots.release(base, slot); // SessionSlots.release is idempotent
      clientId = `${base}-${slot}`;
      clientOptions = {
        ...this.#baseOptions(clientId, security),
        clean: false,
        ...(v5
          ? {
              properties: {
                sessionExpiryInterval: o.sessionExpirySeconds,
                receiveMaximum: Math.min(65_535, maxInFlight),
              },
            }
          : {}),
      };
    } else {
      clientId = `${o.clientIdPrefix}eph-${randomBytes(6).toString('hex')}`;
      // MQTT 5: a fresh session that outlives a nack's reconnect and ends at close. 3.1.1: clean.
      clientOptions = {
        ...this.#baseOptions(clientId, security),
        clean: true,
        ...(v5
          ? { properties: { sessionExpiryInterval: 300, receiveMaximum: Math.min(65_535, maxInFlight) } }
          : {}),
      };
      expiryOnClose = v5 ? 0 : undefined;
    }
    const subscription = new MqttSubscription(
      {
        address,
        subscribeFilter:
          target.group === undefined ? target.filter : sharedFilter(target.group, target.filter),
        ...(target.group === undefined ? {} : { group: target.group }),
        qos,
        maxInFlight,
        clientOptions,
        protocolVersion: o.protocolVersion,
        ...(expiryOnClose === undefined ? {} : { expiryOnClose }),
        logger: this.#logger,
        onEnded: (s) => {
          this.#subscriptions.delete(s);
          release();
        },
      },
      handler,
    );
    this.#subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  health(): HealthStatus {
    if (this.#closing) return { state: 'closed' };
    const client = this.#publisher;
    if (client === undefined) return { state: this.#connecting ? 'connecting' : 'down' };
    if (client.connected) {
      const down = [...this.#subscriptions].filter((sub) => !sub.connected).length;
      return down === 0
        ? { state: 'up' }
        : { state: 'connecting', detail: `${down} subscription connection(s) reconnecting` };
    }
    return {
      state: client.reconnecting ? 'connecting' : 'down',
      detail: `${this.#endpoint.host}:${this.#endpoint.port}`,
    };
  }

  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options?: CloseOptions): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.close(options)));
    const client = this.#publisher;
    if (client !== undefined)
      await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }
}
