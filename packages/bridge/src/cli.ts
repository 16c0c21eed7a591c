#!/usr/bin/env node
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Address, createMessage, isPolybusError, redactText, schemeOf } from '@polybus/core';
import { Command, Option } from 'commander';
import { loadBridgeRegistry } from './adapter-loader.js';
import { startBridge } from './bridge.js';
import { ConfigFileError, formatProblem } from './config/config-problem.js';
import { loadConfig } from './config/load-config.js';
import { configJsonSchema } from './config/schema.js';
import { createLogger, LOG_LEVELS } from './logger.js';
import { encodeLine, type StdioFormat } from './stdio/stdio-codec.js';

/** Exit codes of the `polybus` CLI. */
export const ExitCode = { ok: 0, fatal: 1, invalidConfig: 2 } as const;

/** Most config problems `run` prints (`validate` prints every one); the rest are summed up in one line. */
const MAX_PRINTED_PROBLEMS = 20;

function fail(error: unknown, maxProblems = MAX_PRINTED_PROBLEMS): never {
  if (error instanceof ConfigFileError) {
    const shown = error.problems.slice(0, maxProblems).map(formatProblem);
    const more = error.problems.length - shown.length;
    if (more > 0) shown.push(`${error.problems[0]?.file}: ... and ${more} more problems`);
    // One synchronous write: process.exit() right after async pipe writes can cut stderr short.
    writeSync(2, `${shown.join('\n')}\n`);
    process.exit(ExitCode.invalidConfig);
  }
  if (
    isPolybusError(error) &&
    (error.code === 'CONFIG_INVALID' || error.code === 'UNKNOWN_SCHEME' || error.code === 'ADDRESS_INVALID')
  ) {
    process.stderr.write(`${redactText(error.message)}\n`);
    process.exit(ExitCode.invalidConfig);
  }
  const text = error instanceof Error ? error.message : String(error);
  process.stderr.write(`polybus: ${redactText(text)}\n`);
  process.exit(ExitCode.fatal);
}

function parseAddress(text: string): Address {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' || (value !== null && typeof value === 'object' && !Array.isArray(value)))
      return value as Address;
  } catch {
    // not JSON: a plain string address
  }
  return text;
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  process.stderr.write('polybus: --options must be a JSON object\n');
  process.exit(ExitCode.invalidConfig);
}

/** A registry serving `url`'s scheme (all adapters when the URL has none we can read, for the error). */
function registryFor(url: string): ReturnType<typeof loadBridgeRegistry> {
  let scheme: string | undefined;
  try {
    scheme = schemeOf(url);
  } catch {
    // createTransport reports the invalid URL
  }
  return loadBridgeRegistry(scheme === undefined ? undefined : [scheme]);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const logLevelOption = () =>
  new Option('--log-level <level>', 'log level (default: $POLYBUS_LOG_LEVEL or info)').choices(LOG_LEVELS);

const program = new Command('polybus')
  .description(
    'polybus bridge: moves messages between RabbitMQ, Kafka, Redis, NATS, memory:// and stdio:// by config',
  )
  .showHelpAfterError()
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : ExitCode.invalidConfig);
  });

program
  .command('run')
  .description('run the bridge until SIGTERM/SIGINT')
  .option('-c, --config <file>', 'config file', 'polybus.yaml')
  .addOption(logLevelOption())
  .action(async (opts: { config: string; logLevel?: string }) => {
    const logger = createLogger(opts.logLevel);
    let loaded: Awaited<ReturnType<typeof loadConfig>>;
    try {
      // Only the adapters the config names are imported: each broker client costs memory.
      loaded = await loadConfig(opts.config, { registry: loadBridgeRegistry });
    } catch (error) {
      fail(error);
    }
    const { registry } = loaded;
    process.on('uncaughtException', (error) => {
      logger.fatal({ err: redactText(error.stack ?? error.message) }, 'uncaught exception');
      process.exit(ExitCode.fatal);
    });
    process.on('unhandledRejection', (reason) => {
      logger.fatal(
        { err: redactText(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)) },
        'unhandled rejection',
      );
      process.exit(ExitCode.fatal);
    });
    let bridge: Awaited<ReturnType<typeof startBridge>>;
    try {
      bridge = await startBridge({ config: loaded.config, registry, logger });
    } catch (error) {
      logger.fatal(
        { err: redactText(error instanceof Error ? error.message : String(error)) },
        'bridge failed to start',
      );
      process.exit(
        isPolybusError(error) && error.code === 'CONFIG_INVALID' ? ExitCode.invalidConfig : ExitCode.fatal,
      );
    }
    // Sockets usually keep the process alive, but a config with only in-process connections and no
    // HTTP server has none: hold the event loop open until a signal stops the bridge.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(ExitCode.fatal);
      }
      signalled = true;
      logger.info({ signal }, 'signal received');
      void bridge.stop().then(() => {
        clearInterval(keepAlive);
        process.exit(ExitCode.ok);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Announce readiness only once a signal would be handled: a supervisor may signal right after it.
    logger.info(
      { config: loaded.file, routes: loaded.config.routes.map((r) => r.name), httpPort: bridge.httpPort },
      'bridge running',
    );
  });

program
  .command('validate')
  .description('validate a config file: exit 0 when valid, 2 with every problem listed')
  .option('-c, --config <file>', 'config file', 'polybus.yaml')
  .action(async (opts: { config: string }) => {
    try {
      const loaded = await loadConfig(opts.config, { registry: loadBridgeRegistry });
      process.stdout.write(
        `${loaded.file}: valid (${loaded.config.routes.length} route(s), ${Object.keys(loaded.config.connections).length} connection(s))\n`,
      );
    } catch (error) {
      fail(error, Number.POSITIVE_INFINITY);
    }
  });

program
  .command('schema')
  .description('print the JSON Schema of the config file format')
  .action(() => {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

program
  .command('send')
  .description('publish stdin lines (one body per line) to <url> <address-json>')
  .argument('<url>', 'connection URL, e.g. amqp://guest:guest@127.0.0.1:5672')
  .argument(
    '<address-json>',
    'address: a JSON object of native keys (\'{"queue":"orders"}\') or a plain string',
  )
  .option('--header <k=v>', 'header on every message (repeatable)', collect, [])
  .option('--key <key>', 'key of every message')
  .option('--options <json>', 'adapter options as a JSON object')
  .addOption(logLevelOption())
  .action(
    async (
      url: string,
      addressText: string,
      opts: { header: string[]; key?: string; options?: string; logLevel?: string },
    ) => {
      const logger = createLogger(opts.logLevel ?? 'warn');
      const headers: Record<string, string> = {};
      for (const pair of opts.header) {
        const i = pair.indexOf('=');
        if (i <= 0)
          fail(
            new ConfigFileError([{ file: 'argv', path: '--header', message: `expected k=v, got "${pair}"` }]),
          );
        headers[pair.slice(0, i)] = pair.slice(i + 1);
      }
      const address = parseAddress(addressText);
      try {
        const transport = (await registryFor(url)).createTransport(url, parseOptions(opts.options), {
          logger,
        });
        await transport.connect();
        let batch: string[] = [];
        let sent = 0;
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          const messages = batch.map((body) =>
            createMessage({ body, headers, ...(opts.key === undefined ? {} : { key: opts.key }) }),
          );
          batch = [];
          await transport.publish(address, messages);
          sent += messages.length;
        };
        for await (const line of createInterface({
          input: process.stdin,
          crlfDelay: Number.POSITIVE_INFINITY,
        })) {
          batch.push(line);
          if (batch.length >= 100) await flush();
        }
        await flush();
        await transport.close();
        process.stderr.write(`polybus: sent ${sent} message(s)\n`);
      } catch (error) {
        fail(error);
      }
    },
  );

program
  .command('tail')
  .description('print what arrives on <url> <address-json> until interrupted')
  .argument('<url>', 'connection URL')
  .argument('<address-json>', 'address: a JSON object of native keys or a plain string')
  .option('--group <group>', 'consumer group (shares messages with other members; messages are acked)')
  .addOption(
    new Option('--format <format>', 'output: text (body per line) or json (envelope per line)')
      .choices(['text', 'json'])
      .default('text'),
  )
  .option('--options <json>', 'adapter options as a JSON object')
  .addOption(logLevelOption())
  .action(
    async (
      url: string,
      addressText: string,
      opts: { group?: string; format: StdioFormat; options?: string; logLevel?: string },
    ) => {
      const logger = createLogger(opts.logLevel ?? 'warn');
      try {
        const transport = (await registryFor(url)).createTransport(url, parseOptions(opts.options), {
          logger,
        });
        await transport.connect();
        await transport.subscribe(
          parseAddress(addressText),
          async (delivery) => {
            process.stdout.write(`${encodeLine(delivery.message, opts.format)}\n`);
            await delivery.ack();
          },
          opts.group === undefined ? {} : { group: opts.group },
        );
        const stop = (): void => {
          void transport.close({ timeoutMs: 2000 }).then(() => process.exit(ExitCode.ok));
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      } catch (error) {
        fail(error);
      }
    },
  );

await program.parseAsync(process.argv);
