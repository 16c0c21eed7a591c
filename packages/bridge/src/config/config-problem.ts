import { ConfigError } from '@polybus/core';

/** One problem found in a config file. */
export interface ConfigProblem {
  readonly file: string;
  /** 1-based line, when the problem can be placed. */
  readonly line?: number | undefined;
  /** Path in the config (`routes[0].to[1].subject`), or `(root)`. */
  readonly path: string;
  readonly message: string;
}

/** Formats a problem as `file:line: path: message`. Pure. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.path}: ${problem.message}`;
}

/** Formats a path array as `routes[0].to[1].subject`. Pure. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

/**
 * An invalid config file: every problem found, each with file, line and path. The CLI prints
 * {@link ConfigFileError.problems} one per line and exits with code 2.
 */
export class ConfigFileError extends ConfigError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid config:\n  ${problems.map(formatProblem).join('\n  ')}`, {
      details: { problems: problems.map(formatProblem) },
    });
    this.problems = problems;
  }
}
