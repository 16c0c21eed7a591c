import { writeSync } from 'node:fs';

/** How the bridge writes its logs: one JSON object per line, or one readable line per entry. */
export type LogFormat = 'json' | 'pretty';

/**
 * The log format: `POLYBUS_LOG_FORMAT` (`json` / `pretty`) when set to one of those, else `pretty`
 * when stderr is a terminal and JSON otherwise (a log collector reads a pipe or file). Pure.
 */
export function chooseLogFormat(
  env: Readonly<Record<string, string | undefined>>,
  stderrIsTty: boolean,
): LogFormat {
  const forced = env.POLYBUS_LOG_FORMAT?.trim().toLowerCase();
  if (forced === 'json' || forced === 'pretty') return forced;
  return stderrIsTty ? 'pretty' : 'json';
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/**
 * One pino JSON line as a readable line: `HH:MM:SS.mmm LEVEL message key=value ...` (values that
 * are not plain words are JSON-quoted). A line that is not JSON is returned as it is. Pure.
 */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => {
      const text = typeof value === 'string' && /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
      return `${key}=${text}`;
    });
  return `${[time, level, String(entry.msg ?? ''), ...fields].filter((p) => p !== '').join(' ')}\n`;
}

/** A pino destination writing {@link prettyLine}s synchronously to `fd` (stderr by default). */
export function prettyDestination(fd = 2): { write(line: string): boolean } {
  return {
    write(line) {
      writeSync(fd, prettyLine(line));
      return true;
    },
  };
}
