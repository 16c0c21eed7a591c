import { pino } from 'pino';

/** Log levels the CLI accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A pino logger writing JSON lines synchronously to stderr (stdout is reserved for `stdio://` sinks
 * and command output). Level: `level`, else `POLYBUS_LOG_LEVEL`, else `info`.
 */
export function createLogger(level?: string): pino.Logger {
  const chosen = level ?? process.env.POLYBUS_LOG_LEVEL ?? 'info';
  const valid = (LOG_LEVELS as readonly string[]).includes(chosen) ? chosen : 'info';
  return pino({ level: valid, base: { service: 'polybus' } }, pino.destination({ dest: 2, sync: true }));
}
