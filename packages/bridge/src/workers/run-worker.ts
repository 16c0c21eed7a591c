import { isPolybusError, redactText, schemeOf } from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { type RunningBridge, startBridge } from '../bridge.js';
import { ExitCode } from '../cli/cli-io.js';
import type { BridgeConfig } from '../config/schema.js';
import { createLogger } from '../logger.js';
import { startTracing } from '../tracing/start-tracing.js';
import { tracingSettings } from '../tracing/tracing-settings.js';
import { STATUS_INTERVAL_MS, type SupervisorMessage, type WorkerMessage } from './worker-messages.js';

const send = (message: WorkerMessage): void => {
  if (process.connected) process.send?.(message);
};

const errorText = (error: unknown): string =>
  redactText(error instanceof Error ? error.message : String(error));

/**
 * The body of a worker process (forked by the supervisor, see `supervisor.ts`): waits for the
 * `start` message, runs the normal bridge on the config it carries (no HTTP server), pushes its
 * status every {@link STATUS_INTERVAL_MS} ms and answers the supervisor's requests. SIGTERM, or the
 * supervisor going away (IPC disconnect), drains it like `polybus run`'s SIGTERM; a second SIGTERM
 * changes nothing (the supervisor SIGKILLs a worker it will not wait for). SIGINT is ignored: a terminal's Ctrl-C reaches the whole process group, and
 * the supervisor forwards it as one SIGTERM. Resolves with the exit code: 0 after a drain, 1 or 2
 * when the bridge could not start (2: invalid config).
 */
export async function runWorker(): Promise<number> {
  process.on('SIGINT', () => undefined);
  const start = await new Promise<Extract<SupervisorMessage, { type: 'start' }>>((resolve) => {
    const onMessage = (message: SupervisorMessage): void => {
      if (message.type !== 'start') return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
  const logger = createLogger().child({ worker: start.worker });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: redactText(error.stack ?? error.message) }, 'uncaught exception');
    process.exit(ExitCode.fatal);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: errorText(reason) }, 'unhandled rejection');
    process.exit(ExitCode.fatal);
  });
  const { config } = start;
  const tracing = startTracing(tracingSettings(config.tracing, process.env));
  let bridge: RunningBridge;
  try {
    const registry = await loadBridgeRegistry(schemesOf(config));
    // Routes start on the supervisor's `go`: at startup it waits for every worker to be connected.
    const go = new Promise<void>((resolve) => {
      const onMessage = (message: SupervisorMessage): void => {
        if (message.type !== 'go') return;
        process.off('message', onMessage);
        resolve();
      };
      process.on('message', onMessage);
    });
    bridge = await startBridge({
      config,
      registry,
      logger,
      tracing: tracing !== undefined,
      beforeRoutes: () => {
        send({ type: 'connected' });
        return go;
      },
    });
  } catch (error) {
    await tracing?.shutdown();
    logger.fatal({ err: errorText(error) }, 'worker failed to start');
    return isPolybusError(error) && error.code === 'CONFIG_INVALID' ? ExitCode.invalidConfig : ExitCode.fatal;
  }
  const pushStatus = (): void => {
    const r = bridge.readiness();
    send({ type: 'status', ready: r.ready, connections: r.connections, routes: bridge.routes() });
  };
  const timer = setInterval(pushStatus, STATUS_INTERVAL_MS);
  const reply = (id: number, job: () => Promise<unknown>): void => {
    job().then(
      (value) => send({ type: 'reply', id, ok: true, value }),
      (error: unknown) => send({ type: 'reply', id, ok: false, error: errorText(error) }),
    );
  };
  process.on('message', (message: SupervisorMessage) => {
    switch (message.type) {
      case 'metrics':
        return reply(message.id, () => {
          bridge.refreshMetrics();
          return bridge.metrics.registry.getMetricsAsJSON();
        });
      case 'apply':
        // A reload may add a connection of a scheme this worker did not load at start.
        return reply(message.id, async () =>
          bridge.applyConfig(message.config, await loadBridgeRegistry(schemesOf(message.config))),
        );
      case 'pause':
        return reply(message.id, () => bridge.pauseRoute(message.route));
      case 'resume':
        return reply(message.id, () => bridge.resumeRoute(message.route));
      default:
        return undefined;
    }
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      // A repeated SIGTERM (systemd or `timeout` signal the whole group too) changes nothing: the
      // supervisor's second signal is what ends a drain early, with SIGKILL.
      if (stopping) return;
      stopping = true;
      logger.info({ why }, 'worker stopping');
      void bridge.stop().then(async () => {
        clearInterval(timer);
        pushStatus();
        await tracing?.shutdown();
        resolve(ExitCode.ok);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('disconnect', () => {
      if (!stopping) stop('supervisor gone');
    });
    pushStatus();
    send({ type: 'started' });
    logger.info({ routes: config.routes.map((r) => r.name), pid: process.pid }, 'worker running');
  });
}

/** The URL schemes of the connections `config` names (the adapters it needs). */
function schemesOf(config: BridgeConfig): string[] {
  return Object.values(config.connections).map((c) => schemeOf(c.url));
}
