import {
  AddressError,
  BrokerError,
  ConnectionError,
  MessageTooLargeError,
  type PolybusError,
  PublishError,
  redactText,
  UnsupportedError,
} from '@polybus/core';
import { isTlsVerificationError } from '@polybus/core/adapter-kit';

/** MQTT 5 reason codes (and 3.1.1 CONNACK return codes) that no retry can fix. */
const NOT_AUTHORIZED = new Set([4, 5, 134, 135, 138, 140]);

function reasonCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps an mqtt.js error to the polybus hierarchy (pure). `stage` says what failed: `connect`,
 * `publish` or `subscribe`. Credentials never appear: driver text goes through `redactText`.
 * - bad credentials / not authorized / banned: not retriable (`details.reason: 'auth'` at connect)
 * - server certificate not trusted (unknown CA, wrong name, expired) at connect: not retriable,
 *   `details.reason: 'tls'`
 * - packet too large (149): {@link MessageTooLargeError}; topic name/filter invalid (143, 144):
 *   {@link AddressError}; QoS/retain/shared subscriptions not supported: {@link UnsupportedError}
 * - anything else at connect: {@link ConnectionError} (retriable); at publish: {@link PublishError}
 *   (retriable); otherwise {@link BrokerError}.
 */
export function fromMqttError(error: unknown, stage: 'connect' | 'publish' | 'subscribe'): PolybusError {
  const text = redactText(error instanceof Error ? error.message : String(error));
  const code = reasonCodeOf(error);
  const message = `mqtt ${stage} failed: ${text}${code === undefined ? '' : ` (reason code ${code})`}`;
  const options = { cause: error, details: code === undefined ? undefined : { reasonCode: code } };
  if (code !== undefined && NOT_AUTHORIZED.has(code)) {
    return stage === 'connect'
      ? new ConnectionError(`mqtt connect failed: authentication failed: ${text} (reason code ${code})`, {
          cause: error,
          details: { reasonCode: code, reason: 'auth' },
          retriable: false,
        })
      : new BrokerError(message, { ...options, retriable: false });
  }
  if (stage !== 'publish' && isTlsVerificationError(error))
    return new ConnectionError(`mqtt connect failed: TLS server certificate not trusted (${text})`, {
      cause: error,
      details: { reason: 'tls' },
      retriable: false,
    });
  if (code === 149) return new MessageTooLargeError(message, options);
  if (code === 143 || code === 144) return new AddressError(message, options);
  if (code === 154 || code === 155 || code === 158 || code === 162)
    return new UnsupportedError(message, options);
  if (stage === 'connect') return new ConnectionError(message, options);
  if (stage === 'publish') return new PublishError(message, options);
  return new BrokerError(message, options);
}
