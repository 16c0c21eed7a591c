/**
 * Asserts `secret` appears nowhere in `error`: not in `String(error)`, its message, its JSON form,
 * nor in any message of its cause chain. Throws a plain assertion Error naming where it leaked.
 */
export function expectNoSecret(error: unknown, ...secrets: string[]): void {
  const texts: [string, string][] = [
    ['String(error)', String(error)],
    ['JSON.stringify(error)', JSON.stringify(error) ?? ''],
  ];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      texts.push(
        [`cause[${depth}].message`, current.message],
        [`cause[${depth}].stack`, current.stack ?? ''],
      );
      current = current.cause;
    } else {
      texts.push([`cause[${depth}]`, String(current)]);
      current = undefined;
    }
  }
  for (const secret of secrets)
    for (const [where, text] of texts)
      if (text.includes(secret))
        throw new Error(`secret leaked in ${where}: ${text.replace(secret, '<SECRET>')}`);
}
