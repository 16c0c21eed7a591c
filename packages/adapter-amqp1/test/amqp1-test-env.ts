import { silentLogger } from '@polybus/core';
import { requireBroker } from '@polybus/core/testing';
import { Amqp1Transport, type Amqp1TransportOptions, amqp1OptionsSchema } from '../src/index.js';

/** The local Artemis of scripts/brokers.sh (AMQP 1.0 on 5673, artemis/artemis). */
export const ARTEMIS_HOST = '127.0.0.1';
export const ARTEMIS_PORT = 5673;
export const ARTEMIS_URL = `amqp1://artemis:artemis@${ARTEMIS_HOST}:${ARTEMIS_PORT}`;

/** True when Artemis answers (with POLYBUS_REQUIRE_BROKERS=1 a missing one fails the run). */
export function requireArtemis(): Promise<boolean> {
  return requireBroker('artemis', ARTEMIS_HOST, ARTEMIS_PORT);
}

/** A new unconnected transport for the test broker. */
export function artemisTransport(
  overrides: Partial<Amqp1TransportOptions> = {},
  url: string = ARTEMIS_URL,
): Amqp1Transport {
  return new Amqp1Transport(url, amqp1OptionsSchema.parse(overrides), silentLogger);
}
