import { pino } from 'pino';
import { chooseLogFormat, prettyDestination } from './log-format.js';
import { redactLogMethod, redactLogObject } from './log-redaction.js';

/** Log levels the CLI accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A pino logger writing synchronously to stderr (stdout is reserved for `stdio://` sinks and command
 * output): readable lines on a terminal, JSON lines otherwise, `POLYBUS_LOG_FORMAT=json|pretty` to
 * force one. Level: `level`, else `POLYBUS_LOG_LEVEL`, else `info`.
 */
export function createLogger(level?: string): pino.Logger {
  const chosen = level ?? process.env.POLYBUS_LOG_LEVEL ?? 'info';
  const valid = (LOG_LEVELS as readonly string[]).includes(chosen) ? chosen : 'info';
  const destination =
    chooseLogFormat(process.env, process.stderr.isTTY === true) === 'pretty'
      ? prettyDestination(2)
      : pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: valid,
      base: { service: 'polybus' },
      formatters: { log: redactLogObject },
      hooks: { logMethod: redactLogMethod },
    },
    destination,
  );
}
