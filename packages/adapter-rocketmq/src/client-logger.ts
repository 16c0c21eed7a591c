import type { Logger } from '@polybus/core';
import type { ILogger } from 'rocketmq-client-nodejs';

/** Renders one printf-style log call of the RocketMQ client (`%s`, `%d`, `%j`, `%o`). */
export function formatClientLog(args: readonly unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string') return args.map(render).join(' ');
  let i = 0;
  const text = first.replace(/%[sdjoi%]/g, (token) =>
    token === '%%' ? '%' : i < rest.length ? render(rest[i++]) : token,
  );
  const extra = rest.slice(i).map(render);
  return extra.length === 0 ? text : `${text} ${extra.join(' ')}`;
}

function render(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/**
 * The RocketMQ client's logger interface on a polybus {@link Logger}: its info lines at debug, its
 * warnings and errors at warn (the client logs recoverable trouble, e.g. a proxy restart, as errors;
 * polybus reports what fails for the caller through rejected promises). The client never logs the
 * secret key (it only signs requests with it).
 */
export function clientLogger(logger: Logger): ILogger {
  return {
    debug: (...args: unknown[]) => logger.debug({ component: 'rocketmq-client' }, formatClientLog(args)),
    info: (...args: unknown[]) => logger.debug({ component: 'rocketmq-client' }, formatClientLog(args)),
    warn: (...args: unknown[]) => logger.warn({ component: 'rocketmq-client' }, formatClientLog(args)),
    error: (...args: unknown[]) => logger.warn({ component: 'rocketmq-client' }, formatClientLog(args)),
  };
}
