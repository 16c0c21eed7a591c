import { type Logger, redactText } from '@polybus/core';
import { type logCreator, logLevel } from 'kafkajs';

/**
 * A kafkajs `logCreator` that routes kafkajs's own log lines into a polybus {@link Logger} instead of
 * the console. kafkajs reports routine events (rebalances, retries) as errors, so its levels are
 * shifted down one step: ERROR -> warn, WARN -> info, the rest -> debug. Text is redacted.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const fields: Record<string, unknown> = { kafkajs: namespace };
      for (const [k, v] of Object.entries(extra)) {
        if (k === 'timestamp' || k === 'logger') continue;
        fields[k] = typeof v === 'string' ? redactText(v) : v;
      }
      const text = `kafkajs: ${redactText(String(message))}`;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.warn(fields, text);
      else if (level === logLevel.WARN) logger.info(fields, text);
      else logger.debug(fields, text);
    };
}
