import {
  type AdapterRegistry,
  isMessageReader,
  redactText,
  schemeOf,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { compileExpression } from '../route/expressions.js';
import {
  forbiddenKeyProblems,
  looksLikeConfig,
  notAConfigProblem,
  printableKey,
  readConfigText,
} from './config-guards.js';
import { ConfigFileError, type ConfigProblem, formatPath } from './config-problem.js';
import { type EndpointLike, endpointAddress, nativeKeys, sameEndpoint } from './endpoint.js';
import { describeMissing, substituteEnv } from './env.js';
import { type BridgeConfig, configSchema, connectionSchema } from './schema.js';
import { nodeLine, type Path, writtenPath } from './yaml-position.js';

/** Options of {@link loadConfig} / {@link parseConfig}. */
export interface LoadConfigOptions {
  /** Adapters the config may use; connection options and addresses are validated against them. */
  readonly registry: AdapterRegistry;
  /** Variables for `${VAR}` substitution. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the registry for a config from the URL schemes its connections name (lower-case; a config
 * with problems gives what could be read). Lets {@link loadConfig} load only the adapters a config
 * uses.
 */
export type RegistryForSchemes = (schemes: ReadonlySet<string>) => Promise<AdapterRegistry>;

/** Options of {@link loadConfig}: as {@link LoadConfigOptions}, or a registry built from the config's schemes. */
export interface LoadConfigFileOptions extends Omit<LoadConfigOptions, 'registry'> {
  readonly registry: AdapterRegistry | RegistryForSchemes;
}

/** A validated config and the file it came from. */
export interface LoadedConfig {
  readonly file: string;
  readonly config: BridgeConfig;
}

/** What {@link loadConfig} returns: the config and the registry it was validated against. */
export interface LoadedConfigFile extends LoadedConfig {
  readonly registry: AdapterRegistry;
}

/**
 * Reads, substitutes, parses and validates a config file. Rejects with {@link ConfigFileError}
 * listing every problem (`file:line: path: message`), including a missing or unreadable file. Does
 * not connect anything. When `options.registry` is a function, it is called once with the schemes
 * the file names, before validation, and its registry is used and returned.
 */
export async function loadConfig(file: string, options: LoadConfigFileOptions): Promise<LoadedConfigFile> {
  const text = await readConfigText(file);
  const env = options.env ?? process.env;
  const registry =
    typeof options.registry === 'function'
      ? await options.registry(connectionSchemes(text, env))
      : options.registry;
  return { ...parseConfig(text, file, { registry, env }), registry };
}

/**
 * The URL schemes named by the `connections` of config text, read leniently: YAML or substitution
 * problems are left for {@link parseConfig} to report, and give the schemes that could be read. Pure.
 */
export function connectionSchemes(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): Set<string> {
  const schemes = new Set<string>();
  let connections: unknown;
  try {
    const { value } = substituteEnv(parseDocument(text).toJS() ?? {}, env);
    connections = (value as { connections?: unknown } | null)?.connections;
  } catch {
    return schemes;
  }
  if (connections === null || typeof connections !== 'object') return schemes;
  for (const written of Object.values(connections)) {
    const connection = connectionSchema.safeParse(written);
    if (!connection.success) continue;
    try {
      schemes.add(schemeOf(connection.data.url));
    } catch {
      // reported by parseConfig
    }
  }
  return schemes;
}

/**
 * Validates config text (see {@link loadConfig}); `file` is only used in messages. Throws
 * {@link ConfigFileError}. Pure but for reading `options.env`.
 */
export function parseConfig(text: string, file: string, options: LoadConfigOptions): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const lineOf = (path: Path): number | undefined => nodeLine(doc.contents as Node | null, path, lineCounter);
  const add = (at: Path, message: string): void => {
    // A problem below a value written as a scalar (the `url` of `name: URL`) is that scalar's.
    const path = writtenPath(doc.contents as Node | null, at);
    problems.push({ file, line: lineOf(path), path: formatPath(path), message: redactText(message) });
  };

  if (doc.errors.length > 0) {
    // The first errors say what is wrong; later ones are usually consequences.
    for (const error of doc.errors.slice(0, 3)) {
      const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
      problems.push({ file, line, path: '(root)', message: `YAML: ${error.message.split('\n')[0]}` });
    }
    throw new ConfigFileError(problems);
  }
  problems.push(...forbiddenKeyProblems(doc, lineCounter, file));
  if (problems.length > 0) throw new ConfigFileError(problems);

  let raw: unknown;
  try {
    // toJS() resolves aliases: an alias to an anchor that was never set throws a ReferenceError.
    raw = doc.toJS() ?? {};
  } catch (error) {
    throw new ConfigFileError([
      { file, path: '(root)', message: `YAML: ${error instanceof Error ? error.message : String(error)}` },
    ]);
  }
  if (!looksLikeConfig(raw)) throw new ConfigFileError([notAConfigProblem(file)]);
  const { value, missing } = substituteEnv(raw, options.env ?? process.env);
  for (const m of missing) add(m.path, describeMissing(m));
  if (problems.length > 0) throw new ConfigFileError(problems);

  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportIssue(issue, [], add);
    throw new ConfigFileError(problems);
  }
  const config = parsed.data;
  checkSemantics(config, options.registry, add);
  if (problems.length > 0) throw new ConfigFileError(problems);
  return { file, config };
}

function reportIssue(
  issue: z.core.$ZodIssue,
  prefix: Path,
  add: (path: Path, message: string) => void,
): void {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) add([...path, printableKey(key)], 'unknown key');
    return;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    add(path, 'required');
    return;
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest (most path segments), which is what the user meant.
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0] ?? [];
    if (depth(best) > 0) {
      for (const inner of best) reportIssue(inner, path, add);
      return;
    }
  }
  add(path, issue.message);
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'unrecognized_keys' ? 1 : 0)));
}

/** Checks that need the registry or span several parts of the config. */
function checkSemantics(
  config: BridgeConfig,
  registry: AdapterRegistry,
  add: (path: Path, message: string) => void,
): void {
  const descriptors = new Map<string, ReturnType<AdapterRegistry['resolve']>>();
  const transports = new Map<string, Transport>();
  for (const [name, { url, options }] of Object.entries(config.connections)) {
    try {
      schemeOf(url);
      const descriptor = registry.resolve(url);
      descriptors.set(name, descriptor);
      const result = descriptor.optionsSchema.safeParse(options);
      if (!result.success) {
        for (const issue of result.error.issues) reportIssue(issue, ['connections', name, 'options'], add);
      } else {
        // What `run` does next: the adapter parses the URL with its options (no I/O, by contract), so
        // `validate` refuses every URL that `run` would.
        transports.set(name, descriptor.create(url, result.data, { logger: silentLogger }));
      }
    } catch (error) {
      // `connections.<name>.url`, reported at `connections.<name>` when the URL is written as its value.
      add(['connections', name, 'url'], error instanceof Error ? error.message : String(error));
    }
  }

  const routeNames = new Set<string>();
  config.routes.forEach((route, r) => {
    const base = ['routes', r] as const;
    if (routeNames.has(route.name)) add([...base, 'name'], `duplicate route name "${route.name}"`);
    routeNames.add(route.name);

    const endpoint = (
      value: Record<string, unknown> & { connection: string },
      path: Path,
      kind: string,
    ): void => {
      if (!(value.connection in config.connections)) {
        add(
          [...path, 'connection'],
          `unknown connection "${value.connection}" (defined: ${Object.keys(config.connections).join(', ') || 'none'})`,
        );
        return;
      }
      const descriptor = descriptors.get(value.connection);
      if (!descriptor) return;
      if (typeof value.address === 'string') {
        for (const key of nativeKeys(value as EndpointLike))
          add([...path, key], 'unknown key (the address is given as `address`; use one or the other)');
      }
      const address = endpointAddress(value as EndpointLike);
      const result = descriptor.addressSchema.safeParse(address);
      if (!result.success) {
        const addressPath = typeof address === 'string' ? [...path, 'address'] : path;
        for (const issue of result.error.issues) {
          if (typeof address === 'string') add(addressPath, issue.message);
          else reportIssue(issue, addressPath, add);
        }
        if (typeof address !== 'string' && Object.keys(address).length === 0) {
          add(
            path,
            `no address: give the ${descriptor.scheme} address keys (or \`address\`) for this ${kind}`,
          );
        }
      }
      if (kind === 'source' && value.group !== undefined && !descriptor.capabilities.consumerGroups) {
        add([...path, 'group'], `${descriptor.scheme} connections have no consumer groups`);
      }
      if (kind === 'source' && value.startFrom === 'earliest' && !descriptor.capabilities.replay) {
        add(
          [...path, 'startFrom'],
          `${descriptor.scheme} connections cannot replay from the earliest message`,
        );
      }
    };

    endpoint(route.from, [...base, 'from'], 'source');
    route.to.forEach((sink, s) => {
      endpoint(sink, [...base, 'to', s], 'sink');
      if (sameEndpoint(route.from, sink))
        add([...base, 'to', s], 'a route must not send to its own source address');
      if (sink.when !== undefined) compileCheck(sink.when, [...base, 'to', s, 'when'], add);
    });
    if (route.deadLetter) {
      endpoint(route.deadLetter, [...base, 'deadLetter'], 'dead-letter target');
      if (sameEndpoint(route.from, route.deadLetter))
        add([...base, 'deadLetter'], 'the dead-letter target must not be the source address');
    }
    if (route.filter !== undefined) compileCheck(route.filter, [...base, 'filter'], add);
    if (route.transform) {
      const t = route.transform;
      if (t.body !== undefined) compileCheck(t.body, [...base, 'transform', 'body'], add);
      if (t.key !== undefined) compileCheck(t.key, [...base, 'transform', 'key'], add);
      for (const [name, source] of Object.entries(t.headers ?? {}))
        compileCheck(source, [...base, 'transform', 'headers', name], add);
    }
    const firstSink = route.to[0] && transports.get(route.to[0].connection);
    if (route.dedupe?.seed === 'sink' && firstSink && !isMessageReader(firstSink))
      add(
        [...base, 'dedupe', 'seed'],
        `the first sink (${firstSink.scheme}) cannot be read back to seed the window after a restart; write seed: none to dedupe within one process only`,
      );
    if (route.retry.maxDelay < route.retry.initialDelay)
      add([...base, 'retry', 'maxDelay'], 'must be >= initialDelay');
  });
}

function compileCheck(source: string, path: Path, add: (path: Path, message: string) => void): void {
  try {
    compileExpression(source);
  } catch (error) {
    add(path, error instanceof Error ? error.message : String(error));
  }
}
