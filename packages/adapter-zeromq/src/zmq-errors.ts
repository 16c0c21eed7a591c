import {
  ClosedError,
  ConfigError,
  ConnectionError,
  type PolybusError,
  redactText,
  TimeoutError,
  toPolybusError,
} from '@polybus/core';

/** The errno code of a zeromq.js error (`'EADDRINUSE'`, `'EAGAIN'` …), or undefined. Pure. */
export function zmqCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Codes of a bind or connect that will not succeed by retrying the same settings. */
const CONFIG_CODES = new Set(['EINVAL', 'EPROTONOSUPPORT', 'ENOCOMPATPROTO', 'ENODEV']);

/**
 * Maps a zeromq.js error to a polybus error. `context` says what was being done (`bind
 * tcp://…:5556`). EADDRINUSE / EADDRNOTAVAIL / ENOENT / EACCES on bind: {@link ConnectionError}
 * (retriable: the port may be freed); EINVAL, EPROTONOSUPPORT, ENODEV: {@link ConfigError}; EAGAIN
 * on send: {@link TimeoutError} (no peer took the message in time); ETERM or a closed socket:
 * {@link ClosedError}; anything else through `toPolybusError`. Pure.
 */
export function fromZmqError(error: unknown, context: string): PolybusError {
  const code = zmqCode(error);
  const text = redactText(error instanceof Error ? error.message : String(error));
  const options = { cause: error, details: { zmqCode: code } };
  switch (code) {
    case 'EADDRINUSE':
    case 'EADDRNOTAVAIL':
    case 'ENOENT':
    case 'EACCES':
    case 'ECONNREFUSED':
      return new ConnectionError(`${context}: ${text} (${code})`, options);
    case 'EAGAIN':
      return new TimeoutError(`${context}: no peer took the message in time (EAGAIN)`, options);
    case 'ETERM':
    case 'ENOTSOCK':
      return new ClosedError(`${context}: socket closed (${code})`, options);
    default:
      if (code !== undefined && CONFIG_CODES.has(code)) {
        return new ConfigError(`${context}: ${text} (${code})`, options);
      }
      return toPolybusError(error, context);
  }
}
