/** One `${VAR}` reference that has no value and no default. */
export interface MissingVariable {
  /** Path of the string that referenced it (`routes[0].from.queue`). */
  readonly path: readonly (string | number)[];
  readonly name: string;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in one string from `env`. `$${VAR}` is left as the literal
 * `${VAR}`. Returns the text and the names that had neither a value nor a default (those are replaced
 * by the empty string). Pure.
 */
export function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(
    /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (whole, dollar: string, name: string, fallback: string | undefined) => {
      if (dollar === '$') return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      if (found === '') return '';
      missing.push(name);
      return '';
    },
  );
  return { value, missing };
}

/**
 * Walks a parsed YAML value and substitutes environment references in every string (values, not
 * keys). Returns a new value and every missing variable with the path where it was used. Pure.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const result = substituteString(node, env);
      for (const name of result.missing) missing.push({ path, name });
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return node;
  };
  return { value: walk(value, []), missing };
}
