import { redactText } from '@polybus/core';

const MAX_DEPTH = 4;

/** Object fields and array items are redacted to this depth; deeper values are left as they are. */
function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) {
    // As pino's err serializer would print it (type, message, stack, own fields), redacted. The stack's
    // frames are kept as they are (file paths, not URLs); its first lines repeat the message.
    const message = redactText(value.message);
    const frames = value.stack?.split('\n').filter((line) => line.startsWith('    at ')) ?? [];
    const fields: Record<string, unknown> = {
      type: value.name,
      message,
      stack: [`${value.name}: ${message}`, ...frames].join('\n'),
    };
    for (const [key, field] of Object.entries(value)) fields[key] = redactValue(field, depth + 1);
    return fields;
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = redactValue(field, depth + 1);
  return out;
}

/**
 * A pino `formatters.log` hook: every string field of a log object (to depth 4) passes through core
 * `redactText`, a safety net behind redaction at the source (URLs with userinfo or secret query
 * parameters are masked even if a caller logged one raw). Pure; returns a new object.
 */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return redactValue(object, 0) as Record<string, unknown>;
}

/**
 * A pino `hooks.logMethod` hook: string arguments (the message and its interpolation values) pass
 * through `redactText` before pino formats them.
 */
export function redactLogMethod(
  this: unknown,
  args: Parameters<import('pino').LogFn>,
  method: (...args: unknown[]) => void,
): void {
  method.apply(
    this,
    (args as unknown[]).map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)),
  );
}
