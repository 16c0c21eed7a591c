/**
 * Per-message bounds on expression evaluation, enforced by jsonata's own guardrails (jsonata >= 2.1:
 * `timeout`, `stack`, `sequence` options). Chosen by measurement over a step counter or worker
 * threads: the guardrail is one depth increment and one `Date.now()` per evaluated AST node (checked
 * on entry), it is per evaluation (jsonata keeps the clock and depth in each evaluation's frame), and it
 * cut the poison expressions of issue 14 within their budget:
 * - `($f := function($x){ $f($x) }; $f(1))` (tail call, no stack growth): timeout (D1012) after ~100 ms;
 * - `($f := function($x){ 1 + $f($x) }; $f(1))` (heap growth): depth (D1011) after ~3 ms;
 * - `$join($map([1..10000000], $string), ",")`: sequence (D2015) before the range is allocated.
 *
 * The direct evaluator (direct-evaluator.ts) needs no budget: its subset has no loops, functions or
 * ranges, so its cost is linear in the expression's size and the path lengths.
 *
 * Known slack: the clock is read on node entry, so a single native function call over a long sequence
 * (`$map` of a built-in over `maxSequence` items) may overrun the timeout by its own duration (measured
 * ~60 ms for 100,000 items).
 */

/** The bounds of one expression evaluation. */
export interface ExpressionLimits {
  /** Wall-clock budget of one evaluation, in milliseconds. */
  readonly timeoutMs: number;
  /** Maximum evaluation depth (nested AST node evaluations, including function calls). */
  readonly maxDepth: number;
  /** Maximum length of a sequence (range, path result) built during one evaluation. */
  readonly maxSequence: number;
}

/** The defaults: safe for any typical filter or transform, small enough to keep health checks live. */
export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = Object.freeze({
  timeoutMs: 100,
  maxDepth: 500,
  maxSequence: 100_000,
});

/** The limits of a route's `limits` config block. Pure. */
export function expressionLimitsOf(config: {
  readonly expressionTimeout: number;
  readonly expressionDepth: number;
  readonly expressionSequence: number;
}): ExpressionLimits {
  return {
    timeoutMs: config.expressionTimeout,
    maxDepth: config.expressionDepth,
    maxSequence: config.expressionSequence,
  };
}

/** jsonata's options for the given limits. Pure. */
export function jsonataGuardrails(limits: ExpressionLimits): {
  timeout: number;
  stack: number;
  sequence: number;
} {
  return { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: limits.maxSequence };
}

const KINDS: Readonly<Record<string, string>> = {
  D1011: 'depth limit exceeded',
  D1012: 'time budget exceeded',
  D2014: 'sequence too long',
  D2015: 'sequence too long',
};

/** jsonata's code for a failure the expression raised itself with `$error(message)`. */
const RAISED_BY_EXPRESSION = 'D3137';

/**
 * The messages of `$error("…")` calls whose argument is a string literal in the expression: the
 * reasons the route's author wrote. Only these are ever repeated in a failure description. Pure.
 */
export function literalErrorMessages(ast: unknown): ReadonlySet<string> {
  const found = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 200 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth + 1);
      return;
    }
    const n = node as {
      type?: unknown;
      procedure?: { type?: unknown; value?: unknown };
      arguments?: unknown;
    };
    if (n.type === 'function' && n.procedure?.type === 'variable' && n.procedure.value === 'error') {
      const [first] = Array.isArray(n.arguments)
        ? (n.arguments as { type?: unknown; value?: unknown }[])
        : [];
      if (first?.type === 'string' && typeof first.value === 'string') found.add(first.value);
    }
    for (const value of Object.values(node)) visit(value, depth + 1);
  };
  visit(ast, 0);
  return found;
}

/**
 * A description of an expression failure that is safe to log and to put into a dead letter: the error
 * kind, jsonata's error code and the character position, never the expression source nor any value
 * (jsonata's own messages embed operand values, which come from the message body). The one exception is
 * `$error("…")` with a string literal (one of `authored`, see {@link literalErrorMessages}): that is the
 * reason the route's author wrote for rejecting a message, so it is given as is; an `$error` message
 * built from values is not. Pure.
 */
export function describeExpressionFailure(error: unknown, authored: ReadonlySet<string> = new Set()): string {
  const detail = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    position?: unknown;
    name?: unknown;
  };
  const code = typeof detail.code === 'string' && /^[A-Z]\d{4}$/.test(detail.code) ? detail.code : undefined;
  const position = typeof detail.position === 'number' ? ` at character ${detail.position}` : '';
  if (code === RAISED_BY_EXPRESSION) {
    const raised = (error as { message?: unknown }).message;
    if (typeof raised === 'string' && raised !== '' && authored.has(raised)) return raised;
  }
  if (code) return `${KINDS[code] ?? 'evaluation error'} (${code}${position})`;
  if (error instanceof RangeError) return `resource limit exceeded (RangeError${position})`;
  const name = typeof detail.name === 'string' && /^\w{1,40}$/.test(detail.name) ? detail.name : 'Error';
  return `evaluation error (${name}${position})`;
}
