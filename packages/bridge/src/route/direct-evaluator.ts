/**
 * A synchronous evaluator for the simplest JSONata expressions, so that the common transform
 * (`{ "id": body.id, "total": body.total, "source": "shop" }`) does not pay for jsonata's asynchronous
 * tree walk: measured on a 1 KiB body, that walk allocates ~24 KB and a promise per AST node for a
 * four-field object constructor.
 *
 * The subset, judged on the AST jsonata itself parsed (`expression.ast()`):
 * - literals: strings, numbers, `true`, `false`, `null`;
 * - paths made only of plain field names (`body.order.id`), without predicates, `[]`, `$`, wildcards
 *   or group-by;
 * - object constructors `{ "key": <subset>, ... }` whose keys are distinct string literals (not
 *   jsonata's reserved `_jsonata_lambda` / `_jsonata_function`);
 * - comparisons `=`, `!=`, `<`, `<=`, `>`, `>=` and `and` / `or` of the subset (typical filters such as
 *   `headers.type = "order" and body.total > 100`).
 *
 * Whatever is outside the subset compiles to `undefined` (use jsonata). At run time, a value the
 * evaluator does not mirror exactly — an array anywhere along a path (jsonata maps and flattens
 * those), a function, an object flagged as a jsonata function, an object or array compared or used as a
 * boolean, operands jsonata rejects (`"a" < 1`, `true < 1`: it throws) — yields {@link UNDECIDED}, and
 * the caller evaluates with jsonata instead (which then gives its result or its error). Every other
 * result is the one jsonata 2.x gives: a path reads own properties only (`body.toString` is nothing),
 * stops at a primitive or `null` (nothing), returns objects by reference; a constructor builds a
 * null-prototype object and leaves out keys whose value is nothing; `=` with nothing on one side is
 * false, `<` with nothing is nothing; `and` / `or` cast like `$boolean` and skip the right side when the
 * left decides. `direct-evaluator.test.ts` checks this against jsonata.
 */

/** What a {@link DirectEvaluator} returns when jsonata must decide. */
export const UNDECIDED: unique symbol = Symbol('polybus.direct-evaluator.undecided');

/**
 * Evaluates a compiled expression against an input synchronously. Returns the result (`undefined`
 * for JSONata's "nothing") or {@link UNDECIDED}. Never throws; pure.
 */
export type DirectEvaluator = (input: unknown) => unknown;

const hasOwn = (value: object, key: string): boolean => Object.hasOwn(value, key);

/** The AST node has exactly the allowed properties (anything more, e.g. `stages`, changes its meaning). */
function hasOnly(node: object, allowed: readonly string[]): boolean {
  for (const key of Object.keys(node)) if (!allowed.includes(key)) return false;
  return true;
}

const LITERAL_KEYS = ['type', 'value', 'position'] as const;
const PATH_KEYS = ['type', 'steps'] as const;
const CONSTRUCTOR_KEYS = ['type', 'value', 'position', 'lhs'] as const;
const BINARY_KEYS = ['type', 'value', 'position', 'lhs', 'rhs'] as const;

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A compiled expression as plain data, run by one interpreter function ({@link run}). Plain data rather
 * than a closure per AST node: on Node 20 (V8 11.3), closures of one function literal calling each
 * other gave a wrong `and` result now and then while being optimized (about one run in ten of 200,000
 * evaluations); the interpreter did not in the same stress runs.
 */
type Plan =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'path'; readonly names: readonly string[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly values: readonly Plan[] }
  | {
      readonly kind: 'and' | 'or' | '=' | '!=' | '<' | '<=' | '>' | '>=';
      readonly left: Plan;
      readonly right: Plan;
    };

/** A literal's value, or `UNDECIDED` when the node is not a literal this evaluator knows. */
function literalValue(node: Node): unknown {
  if (!hasOnly(node, LITERAL_KEYS)) return UNDECIDED;
  const value = node.value;
  if (node.type === 'string' && typeof value === 'string') return value;
  if (node.type === 'number' && typeof value === 'number') return value;
  if (node.type === 'value' && (value === true || value === false || value === null)) return value;
  return UNDECIDED;
}

/** The field names of a path of plain names, or undefined. */
function pathNames(node: Node): string[] | undefined {
  if (!hasOnly(node, PATH_KEYS) || !Array.isArray(node.steps) || node.steps.length === 0) return undefined;
  const names: string[] = [];
  for (const step of node.steps) {
    if (!isNode(step) || step.type !== 'name' || !hasOnly(step, LITERAL_KEYS)) return undefined;
    if (typeof step.value !== 'string') return undefined;
    names.push(step.value);
  }
  return names;
}

function constructorPlan(node: Node): Plan | undefined {
  if (!hasOnly(node, CONSTRUCTOR_KEYS) || !Array.isArray(node.lhs)) return undefined;
  const keys: string[] = [];
  const values: Plan[] = [];
  for (const pair of node.lhs) {
    if (!Array.isArray(pair) || pair.length !== 2 || !isNode(pair[0]) || pair[0].type !== 'string')
      return undefined;
    const key = literalValue(pair[0]);
    // jsonata throws for these (D1013 reserved key, D1009 one key from two expressions): let it.
    if (typeof key !== 'string' || key === '_jsonata_lambda' || key === '_jsonata_function') return undefined;
    if (keys.includes(key)) return undefined;
    const value = plan(pair[1]);
    if (!value) return undefined;
    keys.push(key);
    values.push(value);
  }
  return { kind: 'object', keys, values };
}

const BINARY_OPERATORS = ['and', 'or', '=', '!=', '<', '<=', '>', '>='] as const;

function binaryPlan(node: Node): Plan | undefined {
  const kind = BINARY_OPERATORS.find((op) => op === node.value);
  if (!kind || !hasOnly(node, BINARY_KEYS)) return undefined;
  const left = plan(node.lhs);
  const right = plan(node.rhs);
  return left && right ? { kind, left, right } : undefined;
}

function plan(ast: unknown): Plan | undefined {
  if (!isNode(ast)) return undefined;
  switch (ast.type) {
    case 'string':
    case 'number':
    case 'value': {
      const value = literalValue(ast);
      return value === UNDECIDED ? undefined : { kind: 'literal', value };
    }
    case 'path': {
      const names = pathNames(ast);
      return names ? { kind: 'path', names } : undefined;
    }
    case 'unary':
      return ast.value === '{' ? constructorPlan(ast) : undefined;
    case 'binary':
      return binaryPlan(ast);
    default:
      return undefined;
  }
}

/** jsonata's test for "this object is a function" (its lookup finds nothing in those). */
function flaggedAsFunction(value: object): boolean {
  const flags = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return flags._jsonata_function === true || flags._jsonata_lambda === true;
}

function readPath(names: readonly string[], input: unknown): unknown {
  let value = input;
  for (const name of names) {
    // jsonata's lookup: only an object's own property; nothing from a primitive or null.
    if (typeof value !== 'object' || value === null)
      return typeof value === 'function' ? UNDECIDED : undefined;
    if (Array.isArray(value) || flaggedAsFunction(value)) return UNDECIDED;
    if (!hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  if (Array.isArray(value) || typeof value === 'function') return UNDECIDED;
  return value;
}

function buildObject(keys: readonly string[], values: readonly Plan[], input: unknown): unknown {
  // jsonata groups an array input by key: not mirrored here.
  if (Array.isArray(input)) return UNDECIDED;
  const out: Record<string, unknown> = Object.create(null);
  for (let i = 0; i < keys.length; i++) {
    const value = run(values[i] as Plan, input);
    if (value === UNDECIDED) return UNDECIDED;
    if (value !== undefined) out[keys[i] as string] = value;
  }
  return out;
}

/** `$boolean` of a primitive (nothing is false), or UNDECIDED for objects, arrays and non-finite numbers. */
function booleanOf(value: unknown): unknown {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value !== 0 : UNDECIDED;
  return UNDECIDED;
}

const isComparable = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number';

function run(plan: Plan, input: unknown): unknown {
  switch (plan.kind) {
    case 'literal':
      return plan.value;
    case 'path':
      return readPath(plan.names, input);
    case 'object':
      return buildObject(plan.keys, plan.values, input);
    case 'and':
    case 'or': {
      const left = booleanOf(run(plan.left, input));
      if (left === UNDECIDED) return UNDECIDED;
      if (plan.kind === 'and' ? left === false : left === true) return left;
      return booleanOf(run(plan.right, input));
    }
    case '=':
    case '!=': {
      const left = run(plan.left, input);
      if (left === UNDECIDED) return UNDECIDED;
      const right = run(plan.right, input);
      if (right === UNDECIDED) return UNDECIDED;
      if (left === undefined || right === undefined) return false;
      // jsonata compares objects and arrays deeply: left to it.
      if ((typeof left === 'object' && left !== null) || (typeof right === 'object' && right !== null))
        return UNDECIDED;
      return plan.kind === '=' ? left === right : left !== right;
    }
    default: {
      const left = run(plan.left, input);
      if (left === UNDECIDED) return UNDECIDED;
      const right = run(plan.right, input);
      if (right === UNDECIDED) return UNDECIDED;
      // jsonata throws for anything but two strings or two numbers (T2009, T2010), unless one is nothing.
      if ((left !== undefined && !isComparable(left)) || (right !== undefined && !isComparable(right)))
        return UNDECIDED;
      if (left === undefined || right === undefined) return undefined;
      if (typeof left !== typeof right) return UNDECIDED;
      const l = left as string | number;
      const r = right as string | number;
      if (plan.kind === '<') return l < r;
      if (plan.kind === '<=') return l <= r;
      if (plan.kind === '>') return l > r;
      return l >= r;
    }
  }
}

/**
 * Compiles a jsonata AST (from `expression.ast()`) into a {@link DirectEvaluator} when the whole
 * expression is in the subset described above, else returns `undefined`. Pure; call once per expression.
 */
export function compileDirect(ast: unknown): DirectEvaluator | undefined {
  const compiled = plan(ast);
  return compiled ? (input) => run(compiled, input) : undefined;
}
