import { type Address, isPolybusError, redactText } from '@polybus/core';
import { ConfigFileError, formatProblem } from '../config/config-problem.js';

/** Exit codes of the `polybus` CLI. */
export const ExitCode = { ok: 0, fatal: 1, invalidConfig: 2 } as const;

/** Where a CLI invocation reads and writes (the process's streams in the bin; buffers in a test). */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** Ends a command with an exit code (thrown by a command, turned into `main`'s result). */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Most config problems `run` prints (`validate` prints every one); the rest are summed up in one line. */
export const MAX_PRINTED_PROBLEMS = 20;

/**
 * Reports `error` on `io.stderr` and throws the matching {@link CliExit}: config problems (one line
 * each, `file:line: path: problem`) and invalid config, URL or address errors exit 2, anything else 1.
 * Secrets are redacted.
 */
export function fail(io: CliIo, error: unknown, maxProblems = MAX_PRINTED_PROBLEMS): never {
  if (error instanceof ConfigFileError) {
    const shown = error.problems.slice(0, maxProblems).map(formatProblem);
    const more = error.problems.length - shown.length;
    if (more > 0) shown.push(`${error.problems[0]?.file}: ... and ${more} more problems`);
    io.stderr.write(`${shown.join('\n')}\n`);
    throw new CliExit(ExitCode.invalidConfig);
  }
  if (
    isPolybusError(error) &&
    (error.code === 'CONFIG_INVALID' || error.code === 'UNKNOWN_SCHEME' || error.code === 'ADDRESS_INVALID')
  ) {
    io.stderr.write(`${redactText(error.message)}\n`);
    throw new CliExit(ExitCode.invalidConfig);
  }
  const text = error instanceof Error ? error.message : String(error);
  io.stderr.write(`polybus: ${redactText(text)}\n`);
  throw new CliExit(ExitCode.fatal);
}

/** An address argument: a JSON object of native keys or JSON string, else the text itself. Pure. */
export function parseAddress(text: string): Address {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' || (value !== null && typeof value === 'object' && !Array.isArray(value)))
      return value as Address;
  } catch {
    // not JSON: a plain string address
  }
  return text;
}

/** The `--options` argument as an object; exits 2 when it is not a JSON object. */
export function parseOptions(io: CliIo, text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  io.stderr.write('polybus: --options must be a JSON object\n');
  throw new CliExit(ExitCode.invalidConfig);
}
