import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { loadBridgeRegistry, loadBrokerAdapters } from '../adapter-loader.js';
import { configJsonSchema } from '../config/config-json-schema.js';
import { readConfigWarnings } from '../config/endpoint-facts.js';
import { loadConfig } from '../config/load-config.js';
import { LOG_LEVELS } from '../logger.js';
import type { StdioFormat } from '../stdio/stdio-codec.js';
import { routeSharing, sharingLines } from '../workers/route-assignment.js';
import { parseWorkerCount } from '../workers/worker-count.js';
import { CliExit, type CliIo, ExitCode, fail, processIo } from './cli-io.js';
import { sendCommand, tailCommand } from './client-commands.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { testCommand } from './test-command.js';
import { type VerifyCommandOptions, verifyCommand } from './verify-command.js';

export { type CliIo, ExitCode, processIo } from './cli-io.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const logLevelOption = () =>
  new Option('--log-level <level>', 'log level (default: $POLYBUS_LOG_LEVEL or info)').choices(LOG_LEVELS);

/** The `polybus` program; each action stores its exit code in `result.code`. */
function program(io: CliIo, result: { code: number }): Command {
  const root = new Command('polybus')
    .description(
      'polybus bridge: moves messages between RabbitMQ, Kafka, Redis, NATS, memory:// and stdio:// by config',
    )
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();

  root
    .command('run')
    .description('run the bridge until SIGTERM/SIGINT (SIGHUP reloads the config)')
    .option('-c, --config <file>', 'config file', 'polybus.yaml')
    .option('--watch', 'reload the config when the file changes')
    .option(
      '--workers <n>',
      "worker processes: a number or auto (one per core); routes with a source group are shared (default: the config's workers, else 1)",
    )
    .addOption(logLevelOption())
    .action(async (opts: { config: string; logLevel?: string; watch?: boolean; workers?: string }) => {
      result.code = await runCommand(io, opts);
    });

  root
    .command('validate')
    .description(
      'validate a config file: exit 0 when valid (at-most-once hops warned on stderr), 2 with every problem listed',
    )
    .option('-c, --config <file>', 'config file', 'polybus.yaml')
    .option('--workers <n>', 'also say where each route runs with this many workers (a number or auto)')
    .action(async (opts: { config: string; workers?: string }) => {
      try {
        const { file, config, registry } = await loadConfig(opts.config, { registry: loadBridgeRegistry });
        const workers = parseWorkerCount(opts.workers ?? config.workers, availableParallelism());
        if (workers > 1) {
          const sharing = routeSharing(config, registry);
          for (const line of sharingLines(sharing, workers)) io.stderr.write(`${file}: workers: ${line}\n`);
          if (!sharing.some((s) => s.shared))
            io.stderr.write(
              `${file}: warning: no route can be shared across workers: it runs as one process\n`,
            );
        }
        for (const warning of await readConfigWarnings(config, registry))
          io.stderr.write(`${file}: warning: ${warning.text}\n`);
        io.stdout.write(
          `${file}: valid (${config.routes.length} route(s), ${Object.keys(config.connections).length} connection(s))\n`,
        );
      } catch (error) {
        fail(io, error, Number.POSITIVE_INFINITY);
      }
    });

  root
    .command('test')
    .description(
      'run config tests (*.polybus-test.yaml) with in-memory connections: exit 0 pass, 1 fail, 2 invalid file',
    )
    .argument('<files...>', 'test files')
    .action(async (files: string[]) => {
      result.code = await testCommand(io, files);
    });

  root
    .command('status')
    .description(
      'per route: drained? last message moved (from the running bridge, else lag from the brokers); exit 0 when all drained',
    )
    .option('-c, --config <file>', 'config file', 'polybus.yaml')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      result.code = await statusCommand(io, opts);
    });

  root
    .command('verify')
    .description(
      "compare a route's source (the broker, or the route's ledger) with its sink: exit 0 the sink holds every message unaltered, 1 differences, 2 bad config/usage or not verifiable, 3 a broker or the ledger could not be read",
    )
    .option('-c, --config <file>', 'config file', 'polybus.yaml')
    .requiredOption('-r, --route <name>', 'route to verify')
    .option('--sink <index>', "index of the sink in the route's to list", '0')
    .addOption(
      new Option('--from <where>', 'source messages from the broker, the route ledger, or auto')
        .choices(['auto', 'broker', 'ledger'])
        .default('auto'),
    )
    .option('--strict', 'also fail on duplicated, reordered or extra messages')
    .option('--no-headers', 'compare bodies only')
    .option('--order-without-key', 'check the order of messages without a key too (as one sequence)')
    .option('--samples <n>', 'examples kept per kind of fault', '20')
    .option('--json', 'print the report as JSON')
    .action(async (opts: VerifyCommandOptions) => {
      result.code = await verifyCommand(io, opts);
    });

  root
    .command('schema')
    .description('print the JSON Schema of the config file format')
    .action(async () => {
      const schema = configJsonSchema(await loadBrokerAdapters());
      io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });

  root
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
    .action(async (url: string, address: string, opts: Parameters<typeof sendCommand>[3]) => {
      result.code = await sendCommand(io, url, address, opts);
    });

  root
    .command('tail')
    .description('print what arrives on <url> <address-json> until interrupted')
    .argument('<url>', 'connection URL')
    .argument('<address-json>', 'address: a JSON object of native keys or a plain string')
    .option('--group <group>', 'consumer group (shares messages with other members; messages are acked)')
    .addOption(
      new Option('--format <format>', 'output: text (body per line) or json (envelope per line)')
        .choices(['text', 'json'])
        .default('text' satisfies StdioFormat),
    )
    .option('--options <json>', 'adapter options as a JSON object')
    .addOption(logLevelOption())
    .action(async (url: string, address: string, opts: Parameters<typeof tailCommand>[3]) => {
      result.code = await tailCommand(io, url, address, opts);
    });
  return root;
}

/**
 * Runs the `polybus` CLI on `argv` (the arguments after the executable and script, e.g.
 * `['validate', '-c', 'polybus.yaml']`) and resolves with the exit code: 0 ok, 1 fatal, 2 invalid
 * config or usage. Writes command output to `io.stdout`, problems to `io.stderr`; never calls
 * `process.exit` except where `run` owns the process (a second signal, an uncaught exception).
 * `run` and `tail` resolve only once a signal stopped them. Safe to call more than once.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const result = { code: ExitCode.ok as number };
  try {
    await program(io, result).parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CliExit) return error.code;
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidConfig;
    try {
      fail(io, error);
    } catch (exit) {
      if (exit instanceof CliExit) return exit.code;
    }
    return ExitCode.fatal;
  }
}
