import { availableParallelism } from 'node:os';
import { isPolybusError, redactText } from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { type RunningBridge, startBridge } from '../bridge.js';
import { logConfigWarnings } from '../config/endpoint-facts.js';
import { type LoadedConfigFile, loadConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { handleReloads } from '../reload/config-reloader.js';
import { startTracing } from '../tracing/start-tracing.js';
import { tracingSettings } from '../tracing/tracing-settings.js';
import { routeSharing } from '../workers/route-assignment.js';
import { runSupervisor } from '../workers/supervisor.js';
import { parseWorkerCount } from '../workers/worker-count.js';
import { type CliIo, ExitCode, fail } from './cli-io.js';
import { waitForEndOfInput } from './end-of-input.js';

/**
 * `polybus run`: loads the config (only the adapters it names are imported: each broker client costs
 * memory), starts the bridge and resolves with exit code 0 once SIGTERM or SIGINT stopped it (a
 * second signal exits at once with 1). A process-wide uncaught exception or unhandled rejection is
 * logged and ends the process with 1: this command owns the process it runs in.
 *
 * With more than one worker (`--workers`, else the config's `workers`; `auto`: one per core) this
 * process becomes the supervisor of that many worker processes (see `runSupervisor`), unless no route
 * can be shared across workers: then it runs alone, as with one worker, and says so.
 */
export async function runCommand(
  io: CliIo,
  opts: { config: string; logLevel?: string; watch?: boolean; workers?: string },
): Promise<number> {
  const logger = createLogger(opts.logLevel);
  let loaded: LoadedConfigFile;
  let workers: number;
  try {
    loaded = await loadConfig(opts.config, { registry: loadBridgeRegistry });
    workers = parseWorkerCount(opts.workers ?? loaded.config.workers, availableParallelism());
  } catch (error) {
    fail(io, error);
  }
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
  await logConfigWarnings(loaded, logger);
  if (workers > 1) {
    const sharing = routeSharing(loaded.config, loaded.registry);
    if (sharing.some((s) => s.shared))
      return runSupervisor({
        file: loaded.file,
        config: loaded.config,
        count: workers,
        sharing,
        logger,
        env: opts.logLevel === undefined ? process.env : { ...process.env, POLYBUS_LOG_LEVEL: opts.logLevel },
        ...(opts.watch === undefined ? {} : { watch: opts.watch }),
      });
    logger.warn(
      { workers, routes: sharing.map((s) => `${s.route}: ${s.reason}`) },
      'no route can be shared across workers: running as one process',
    );
  }
  // Before any route starts (so every delivery is traced); shut down last (so every span is exported).
  const tracing = startTracing(tracingSettings(loaded.config.tracing, process.env));
  let bridge: RunningBridge;
  try {
    bridge = await startBridge({
      config: loaded.config,
      registry: loaded.registry,
      logger,
      tracing: tracing !== undefined,
    });
  } catch (error) {
    await tracing?.shutdown();
    logger.fatal(
      { err: redactText(error instanceof Error ? error.message : String(error)) },
      'bridge failed to start',
    );
    return isPolybusError(error) && error.code === 'CONFIG_INVALID' ? ExitCode.invalidConfig : ExitCode.fatal;
  }
  // Sockets usually keep the process alive, but a config with only in-process connections and no
  // HTTP server has none: hold the event loop open until a signal stops the bridge.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const endOfInput = new AbortController();
  const stopped = new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(ExitCode.fatal);
      }
      signalled = true;
      endOfInput.abort();
      logger.info({ signal }, 'signal received');
      void bridge.stop().then(async () => {
        await tracing?.shutdown();
        clearInterval(keepAlive);
        resolve(ExitCode.ok);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // A config whose every source is finite (stdin at EOF) ends once all it read is delivered.
    void waitForEndOfInput(loaded.config, () => bridge.routes(), endOfInput.signal).then(() => {
      if (signalled) return;
      signalled = true;
      logger.info('end of input: every message delivered, stopping');
      void bridge.stop().then(() => {
        clearInterval(keepAlive);
        resolve(ExitCode.ok);
      });
    });
  });
  // SIGHUP (and, with --watch, a change of the file) reloads the config and applies the difference;
  // a config with problems is refused and the running one stays.
  const stopWatching = handleReloads({
    file: loaded.file,
    watch: opts.watch === true,
    logger,
    apply: async (next) => {
      await logConfigWarnings(next, logger);
      await bridge.applyConfig(next.config, next.registry);
    },
  });
  void stopped.then(stopWatching);
  // Announce readiness only once a signal would be handled: a supervisor may signal right after it.
  logger.info(
    { config: loaded.file, routes: loaded.config.routes.map((r) => r.name), httpPort: bridge.httpPort },
    'bridge running',
  );
  return stopped;
}
