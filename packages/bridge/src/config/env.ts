import { readSecretFile, type SecretFileReader } from './secret-file.js';

/**
 * One `${VAR}` reference that has no value and no default, or one `${file:/path}` that cannot be read.
 * Neither ever carries a value.
 */
export interface MissingVariable {
  /** Path of the string that referenced it (`routes[0].from.queue`). */
  readonly path: readonly (string | number)[];
  /** The variable name, or `file:/path` for a secret file. */
  readonly name: string;
  /** Why a secret file could not be used (names the path, never the content); absent for variables. */
  readonly reason?: string;
}

/** One unresolved reference of a string: a variable name, or `file:/path` with the reason. */
export interface UnresolvedReference {
  readonly name: string;
  readonly reason?: string;
}

/**
 * The message a config loader shows for an unresolved reference: the variable name or the secret
 * file path and why, never a value. Pure.
 */
export function describeMissing(m: { readonly name: string; readonly reason?: string }): string {
  if (m.reason !== undefined) return m.reason;
  return `environment variable ${m.name} is not set (use \${${m.name}:-default} for a default)`;
}

const REFERENCE = /(\$?)\$\{(?:file:([^}]*?)|([A-Za-z_][A-Za-z0-9_]*))(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}`, `${VAR:-default}`, `${file:/abs/path}` and `${file:/abs/path:-default}` in one
 * string. Variables come from `env`; a file reference is replaced by the file's content (see
 * {@link readSecretFile}: regular file, size cap, one trailing newline removed), so secrets never have
 * to be written inline. `$${VAR}` is left as the literal `${VAR}`. Substituted values are not scanned
 * again. Returns the text and the references that had neither a value nor a default (replaced by the
 * empty string) — by name or path with a reason, never with a value. Pure apart from reading the files.
 */
export function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  readFile: SecretFileReader = readSecretFile,
): { value: string; missing: string[]; unresolved: UnresolvedReference[] } {
  const missing: string[] = [];
  const unresolved: UnresolvedReference[] = [];
  const value = text.replace(
    REFERENCE,
    (
      whole,
      dollar: string,
      file: string | undefined,
      name: string | undefined,
      fallback: string | undefined,
    ) => {
      if (dollar === '$') return whole.slice(1);
      if (file !== undefined) {
        const result = readFile(file);
        if (result.ok) return result.value;
        if (fallback !== undefined) return fallback;
        missing.push(`file:${file}`);
        unresolved.push({ name: `file:${file}`, reason: result.reason });
        return '';
      }
      if (name === undefined) return whole;
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      if (found === '') return '';
      missing.push(name);
      unresolved.push({ name });
      return '';
    },
  );
  return { value, missing, unresolved };
}

/**
 * Walks a parsed YAML value and substitutes environment and secret-file references in every string (values, not
 * keys). Returns a new value and every missing variable with the path where it was used. Pure.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  readFile: SecretFileReader = readSecretFile,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const result = substituteString(node, env, readFile);
      for (const m of result.unresolved)
        missing.push(m.reason === undefined ? { path, name: m.name } : { path, ...m });
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      // defineProperty: a key named `__proto__` stays an own key (for the schema to reject), never a prototype.
      for (const [k, v] of Object.entries(node))
        Object.defineProperty(out, k, {
          value: walk(v, [...path, k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
    return node;
  };
  return { value: walk(value, []), missing };
}
