import {
  type AdapterRegistry,
  type Capabilities,
  capabilitiesOf,
  type Logger,
  schemeOf,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { type ConfigWarning, configWarnings, type EndpointFacts } from './config-warnings.js';
import { type EndpointLike, endpointAddress } from './endpoint.js';
import type { LoadedConfigFile } from './load-config.js';
import type { BridgeConfig } from './schema.js';

/**
 * The warnings of {@link configWarnings} for a config `loadConfig` validated, with each endpoint's
 * capabilities read from its adapter: one unconnected transport per connection named (created only to
 * ask `capabilitiesFor(address)`, e.g. a Redis channel vs a stream; no I/O), all closed before this
 * resolves. Where a transport cannot be created or asked, the adapter's own capabilities are used;
 * where the adapter is unknown, the endpoint gets no warning. Never rejects. Used by `polybus validate`
 * and `polybus run`, so both show the same list.
 */
export async function readConfigWarnings(
  config: BridgeConfig,
  registry: AdapterRegistry,
): Promise<ConfigWarning[]> {
  const transports = new Map<string, Transport | undefined>();
  const transportOf = (name: string, url: string, options: unknown): Transport | undefined => {
    if (!transports.has(name)) {
      let transport: Transport | undefined;
      try {
        transport = registry.createTransport(url, options, { logger: silentLogger });
      } catch {
        transport = undefined;
      }
      transports.set(name, transport);
    }
    return transports.get(name);
  };
  const describe = (endpoint: EndpointLike): EndpointFacts | undefined => {
    const connection = config.connections[endpoint.connection];
    if (!connection) return undefined;
    let scheme: string;
    try {
      scheme = schemeOf(connection.url);
    } catch {
      return undefined;
    }
    // stdio:// is never warned about; do not create a transport on the process's pipes to ask it.
    if (scheme === 'stdio') return undefined;
    const atAddress = (): Capabilities | undefined => {
      try {
        const transport = transportOf(endpoint.connection, connection.url, connection.options);
        return transport ? capabilitiesOf(transport, endpointAddress(endpoint)) : undefined;
      } catch {
        return undefined;
      }
    };
    const ofAdapter = (): Capabilities | undefined => {
      try {
        return registry.resolve(connection.url).capabilities;
      } catch {
        return undefined;
      }
    };
    const capabilities = atAddress() ?? ofAdapter();
    if (!capabilities) return undefined;
    return { scheme, capabilities };
  };
  try {
    return configWarnings(config, describe);
  } finally {
    await Promise.all(
      [...transports.values()].map((t) => t?.close({ timeoutMs: 0 }).catch(() => undefined) ?? undefined),
    );
  }
}

/**
 * Logs, at warn level with its code and path, every warning `polybus validate` prints for `loaded`
 * (see {@link readConfigWarnings}). Used at start and after each reload, by a single bridge and by the
 * supervisor of `--workers`. Never rejects.
 */
export async function logConfigWarnings(loaded: LoadedConfigFile, logger: Logger): Promise<void> {
  for (const warning of await readConfigWarnings(loaded.config, loaded.registry))
    logger.warn({ config: loaded.file, code: warning.code, path: warning.path }, warning.text);
}
