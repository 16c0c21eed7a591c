import { Container, ContainerModule, type ServiceIdentifier } from 'inversify';
import type { z } from 'zod';
import type { Address } from './address.js';
import type { Capabilities } from './capabilities.js';
import { ConfigError, redactUrl, UnknownSchemeError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { Transport } from './transport.js';

/** What an adapter receives besides its URL and options. */
export interface AdapterContext {
  readonly logger: Logger;
}

/**
 * Everything polybus knows about one adapter. Its `optionsSchema` is the single source for option
 * validation, documentation and the bridge's JSON Schema; `addressSchema` does the same for native
 * addresses.
 */
export interface AdapterDescriptor<Options = unknown> {
  /** Primary URL scheme, without the colon (`amqp`). */
  readonly scheme: string;
  /** Further schemes served by the same adapter (`amqps`, `rediss`). */
  readonly aliases?: readonly string[];
  /** One line for docs and `--help`. */
  readonly description: string;
  /** Validates and defaults the adapter's connection options. */
  readonly optionsSchema: z.ZodType<Options>;
  /** Validates an address for this adapter (string or native object). */
  readonly addressSchema: z.ZodType<Address>;
  /** What transports of this adapter guarantee for their default addresses. */
  readonly capabilities: Capabilities;
  /** Creates an unconnected transport. Must not do I/O; `connect()` does. */
  create(url: string, options: Options, context: AdapterContext): Transport;
}

/** The inversify token every adapter descriptor is bound to (multi-bound: one binding per adapter). */
export const ADAPTER_DESCRIPTOR: ServiceIdentifier<AdapterDescriptor> = Symbol.for(
  '@polybus/core:AdapterDescriptor',
);

/** Identity helper that keeps an adapter descriptor's option type. */
export function defineAdapter<Options>(descriptor: AdapterDescriptor<Options>): AdapterDescriptor<Options> {
  return Object.freeze(descriptor);
}

/** An inversify container module that registers `descriptor` under {@link ADAPTER_DESCRIPTOR}. */
export function adapterModule<Options>(descriptor: AdapterDescriptor<Options>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(ADAPTER_DESCRIPTOR).toConstantValue(descriptor as AdapterDescriptor);
  });
}

/** Extracts the scheme of a URL (`amqp://x` -> `amqp`), or throws {@link ConfigError}. */
export function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!match?.[1]) {
    // redactUrl echoes a scheme-less string only when it is a bare host[:port].
    throw new ConfigError(`invalid connection URL "${redactUrl(url)}": expected <scheme>://...`);
  }
  return match[1].toLowerCase();
}

/** Formats zod issues as `path: message` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, part) =>
        typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
      prefix,
    );
    return `${path || '(root)'}: ${issue.message}`;
  });
}

/**
 * Adapters registered by URL scheme, on an inversify container. Registration is explicit: nothing
 * registers itself by being imported. Lookups are synchronous and cheap.
 */
export class AdapterRegistry {
  readonly #container: Container;

  /** Wraps `container` (a new one by default); adapters already bound in it are used too. */
  constructor(container: Container = new Container()) {
    this.#container = container;
  }

  /** Registers adapters (descriptors or container modules). Returns `this` for chaining. */
  register(...entries: ReadonlyArray<AdapterDescriptor | ContainerModule>): this {
    const modules = entries.map((entry) => (entry instanceof ContainerModule ? entry : adapterModule(entry)));
    this.#container.loadSync(...modules);
    return this;
  }

  /** Every registered descriptor, in registration order. */
  descriptors(): AdapterDescriptor[] {
    return this.#container.isBound(ADAPTER_DESCRIPTOR) ? this.#container.getAll(ADAPTER_DESCRIPTOR) : [];
  }

  /** Every scheme served (primary and aliases). */
  schemes(): string[] {
    return this.descriptors().flatMap((d) => [d.scheme, ...(d.aliases ?? [])]);
  }

  /** The descriptor serving `url`'s scheme; throws {@link UnknownSchemeError} or {@link ConfigError}. */
  resolve(url: string): AdapterDescriptor {
    const scheme = schemeOf(url);
    const found = this.descriptors().find((d) => d.scheme === scheme || d.aliases?.includes(scheme));
    if (!found) throw new UnknownSchemeError(scheme, this.schemes());
    return found;
  }

  /**
   * Validates `options` with the adapter's schema and creates an unconnected transport. Throws
   * {@link ConfigError} listing every invalid option by path.
   */
  createTransport(url: string, options: unknown = {}, context: Partial<AdapterContext> = {}): Transport {
    const descriptor = this.resolve(url);
    const parsed = descriptor.optionsSchema.safeParse(options ?? {});
    if (!parsed.success) {
      throw new ConfigError(
        `invalid options for ${descriptor.scheme} connection ${redactUrl(url)}:\n  ${formatIssues(parsed.error.issues, 'options').join('\n  ')}`,
        { details: { issues: formatIssues(parsed.error.issues, 'options') } },
      );
    }
    return descriptor.create(url, parsed.data, { logger: context.logger ?? silentLogger });
  }
}

/** A new registry holding `entries`. */
export function createRegistry(
  ...entries: ReadonlyArray<AdapterDescriptor | ContainerModule>
): AdapterRegistry {
  return new AdapterRegistry().register(...entries);
}
