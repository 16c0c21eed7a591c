import {
  AddressError,
  BrokerError,
  ConnectionError,
  DataError,
  isPolybusError,
  MessageTooLargeError,
  type PolybusError,
  redactText,
  TimeoutError,
  UnsupportedError,
} from '@polybus/core';
import { isTlsVerificationError, isTlsVerificationText } from '@polybus/core/adapter-kit';

/** gRPC status codes the client surfaces for transport failures (UNAVAILABLE, DEADLINE_EXCEEDED...). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAUTHENTICATED = 16;
const GRPC_PERMISSION_DENIED = 7;

/** The RocketMQ status code or gRPC status code of an error or of one of its causes. */
function codeOf(error: unknown): { code: number; message: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return { code, message: current.message };
    current = current.cause;
  }
  return undefined;
}

/**
 * Maps an error of the RocketMQ client to a {@link PolybusError} by its status code: a missing topic
 * or group and an illegal topic, group or filter are {@link AddressError}s; too large a body or too
 * many properties {@link MessageTooLargeError}; other bad requests {@link DataError} (the message's
 * fault); refused credentials a non-retriable {@link ConnectionError}; throttling, broker and proxy
 * errors a retriable {@link BrokerError}; timeouts {@link TimeoutError}; anything else (the proxy
 * unreachable) a retriable {@link ConnectionError}. Messages are stripped of URL credentials. Pure.
 */
export function fromRocketmqError(error: unknown, context: string): PolybusError {
  if (isPolybusError(error)) return error;
  const found = codeOf(error);
  const text = redactText(found?.message ?? (error instanceof Error ? error.message : String(error))).replace(
    /\s*For more information, please visit.*$/s,
    '',
  );
  const message = `${context}: ${text}`;
  const options = { cause: error, details: found === undefined ? undefined : { rocketmqCode: found.code } };
  const code = found?.code;
  if (code === undefined) {
    if (error instanceof TypeError && /size exceeds/i.test(error.message))
      return new MessageTooLargeError(message, options);
    return new ConnectionError(message, options);
  }
  if (code < 1000) {
    if (code === GRPC_DEADLINE_EXCEEDED) return new TimeoutError(message, options);
    if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED)
      return new ConnectionError(message, { ...options, retriable: false });
    return new ConnectionError(message, options);
  }
  if (
    code === 40002 ||
    code === 40003 ||
    code === 40010 ||
    code === 40400 ||
    code === 40402 ||
    code === 40403
  )
    return new AddressError(message, options);
  if (code === 41300 || code === 41301 || code === 43100 || code === 43101)
    return new MessageTooLargeError(message, options);
  if (code === 40100 || code === 40200 || code === 40300)
    return new ConnectionError(message, { ...options, retriable: false });
  if (code === 40800 || (code >= 50400 && code < 50500)) return new TimeoutError(message, options);
  if (code >= 50500 && code < 50600) return new UnsupportedError(message, options);
  if (code === 40013 || code === 40401) return new BrokerError(message, { ...options, retriable: false });
  if (code >= 40000 && code < 50000 && code !== 42900 && code !== 42800)
    return new DataError(message, options);
  return new BrokerError(message, options);
}

/** gRPC's UNAVAILABLE: no connection (refused, dropped, or a TLS handshake that failed). */
const GRPC_UNAVAILABLE = 14;

/**
 * Maps a failure of the first requests to the proxy (`connect()`, after its port accepted a TCP
 * connection). When the TLS handshake failed because the proxy's certificate did not verify (unknown
 * CA, wrong name, expired… — grpc-js reports it as a retriable `14 UNAVAILABLE` carrying only the
 * text): a non-retriable {@link ConnectionError} with `details.reason: 'tls'` whose message says
 * `TLS server certificate not trusted`. When a plain (`tls: false`) connection got UNAVAILABLE: the
 * same retriable error as {@link fromRocketmqError} with a hint that the proxy may require TLS
 * (`rocketmqs://`). Anything else as {@link fromRocketmqError}. `context` must name the proxy
 * without credentials. Pure.
 */
export function fromRocketmqConnectError(
  error: unknown,
  context: string,
  connection: { tls: boolean },
): PolybusError {
  const mapped = fromRocketmqError(error, context);
  const text = mapped.message.slice(context.length + 2);
  const options = { cause: error, details: mapped.details };
  if (isTlsVerificationError(error) || (connection.tls && isTlsVerificationText(text)))
    return new ConnectionError(`${context}: TLS server certificate not trusted (${text})`, {
      ...options,
      retriable: false,
      details: { ...mapped.details, reason: 'tls' },
    });
  if (!connection.tls && mapped.details?.rocketmqCode === GRPC_UNAVAILABLE)
    return new ConnectionError(
      `${mapped.message} (the port accepts TCP but no plain gRPC: if the proxy requires TLS, use rocketmqs://)`,
      options,
    );
  return mapped;
}
