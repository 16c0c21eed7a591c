import { type Logger, redactText } from '@polybus/core';
import { Counter, Gauge, Registry } from 'prom-client';
import { ExitCode } from '../cli/cli-io.js';
import { logConfigWarnings } from '../config/endpoint-facts.js';
import type { BridgeConfig } from '../config/schema.js';
import { adminTokenOf } from '../http/admin-routes.js';
import { httpServerSettings } from '../http/http-settings.js';
import { type HttpServer, startHttpServer } from '../http/server.js';
import { handleReloads } from '../reload/config-reloader.js';
import { aggregateMetrics, type MetricsJson } from './aggregate-metrics.js';
import { aggregateReadiness, aggregateRoutes } from './aggregate-status.js';
import { RestartBackoff } from './restart-backoff.js';
import { configForWorker, type RouteSharing, routeSharing, sharingLines } from './route-assignment.js';
import { handleSupervisorAdmin } from './supervisor-admin.js';
import { type WorkerExit, WorkerSlot } from './worker-slot.js';

/** Options of {@link runSupervisor}. */
export interface SupervisorOptions {
  readonly file: string;
  readonly config: BridgeConfig;
  /** Worker processes (> 1). */
  readonly count: number;
  /** Where each route runs (see `routeSharing`); at least one must be shared. */
  readonly sharing: readonly RouteSharing[];
  readonly logger: Logger;
  /** The environment of the workers (log level included). */
  readonly env: NodeJS.ProcessEnv;
  readonly watch?: boolean;
}

/**
 * `polybus run --workers N` (N > 1): the process the user started becomes a supervisor that
 * connects to no broker. It serves the HTTP endpoint (health, aggregated metrics and routes, part of
 * the admin API), forks N workers that each run the bridge for their share of the config (see
 * `configForWorker`), restarts a worker that crashed (with {@link RestartBackoff}), and forwards
 * SIGHUP / `--watch` reloads. SIGTERM or SIGINT drains every worker; resolves 0 once all exited 0
 * (1 otherwise); a second signal kills them and exits 1. Resolves 1 or 2 when a worker fails to
 * start (after stopping the others), as `polybus run` would.
 */
export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const { logger, count } = options;
  let config = options.config;
  let sharing = options.sharing;
  const slots = Array.from({ length: count }, (_, i) => new WorkerSlot(i, count));
  const backoffs = slots.map(() => new RestartBackoff());
  const restartTimers = new Map<number, NodeJS.Timeout>();

  const own = new Registry();
  const restartsTotal = new Counter({
    name: 'polybus_worker_restarts_total',
    help: 'Worker processes the supervisor restarted after they ended unexpectedly.',
    labelNames: ['worker'],
    registers: [own],
  });
  const workerUp = new Gauge({
    name: 'polybus_worker_up',
    help: '1 while the worker process runs and reports ready, else 0.',
    labelNames: ['worker'],
    registers: [own],
    collect() {
      for (const s of slots) this.set({ worker: String(s.index) }, s.snapshot().status?.ready ? 1 : 0);
    },
  });
  for (const s of slots) restartsTotal.inc({ worker: String(s.index) }, 0);
  void workerUp;

  const routes = () => aggregateRoutes(slots.map((s) => s.snapshot()));
  let http: HttpServer | undefined;
  if (config.http.enabled) {
    http = await startHttpServer({
      ...httpServerSettings(config.http),
      logger,
      source: {
        readiness: () => aggregateReadiness(slots.map((s) => s.snapshot())),
        routes: () => ({ routes: routes() }),
        refreshMetrics: () => undefined,
      },
      metrics: {
        contentType: own.contentType,
        async metrics() {
          const answers = await Promise.allSettled(
            slots.filter((s) => s.running).map((s) => s.request<MetricsJson>({ type: 'metrics' }, 3_000)),
          );
          const perWorker = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
          return (await aggregateMetrics(perWorker, await own.getMetricsAsJSON())).text;
        },
      } as Pick<Registry, 'metrics' | 'contentType'>,
      admin: (req, res) =>
        handleSupervisorAdmin(req, res, {
          config: () => config,
          routes,
          slots,
          adminToken: adminTokenOf(config.http),
          logger,
        }),
    });
    logger.info({ host: config.http.host, port: http.port }, 'http server listening');
  }

  let stopping = false;
  let settle: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    settle = resolve;
  });
  const exits = new Map<number, WorkerExit>();
  let startup:
    | { pending: number; connecting: number; resolve(failed: WorkerExit | undefined): void }
    | undefined;

  const finishIfAllExited = (): void => {
    if (slots.some((s) => s.running) || (!stopping && restartTimers.size > 0)) return;
    if (!stopping && [...exits.values()].length < count) return;
    const codes = [...exits.values()];
    void (http?.close() ?? Promise.resolve()).then(() =>
      settle(codes.every((e) => e.code === 0) ? ExitCode.ok : ExitCode.fatal),
    );
  };

  const spawn = (slot: WorkerSlot): void => {
    exits.delete(slot.index);
    slot.spawn(configForWorker(config, sharing, slot.index, count), options.env, {
      // At startup every worker's routes start together, once all are connected: they join their
      // groups at once and the broker assigns once (no rebalance that re-sends in-flight messages).
      onConnected: () => {
        if (!startup) return slot.go();
        if (--startup.connecting === 0) for (const s of slots) s.go();
      },
      onStarted: () => {
        logger.info({ worker: slot.index, pid: slot.pid, restarts: slot.restarts }, 'worker started');
        if (startup && --startup.pending === 0) startup.resolve(undefined);
      },
      onExit: (exit) => {
        exits.set(slot.index, exit);
        if (startup) {
          startup.resolve(exit);
          return;
        }
        if (stopping) {
          logger.info({ worker: slot.index, code: exit.code, signal: exit.signal }, 'worker exited');
          return finishIfAllExited();
        }
        if (exit.code === 0 && exit.signal === null) {
          logger.info({ worker: slot.index }, 'worker finished by itself (end of input); not restarted');
          return finishIfAllExited();
        }
        slot.restarts++;
        restartsTotal.inc({ worker: String(slot.index) });
        const delayMs = backoffs[slot.index]?.crashed(exit.uptimeMs) ?? 1000;
        logger.error(
          {
            worker: slot.index,
            code: exit.code,
            signal: exit.signal,
            restarts: slot.restarts,
            restartInMs: delayMs,
          },
          'worker ended unexpectedly; restarting it',
        );
        restartTimers.set(
          slot.index,
          setTimeout(() => {
            restartTimers.delete(slot.index);
            if (!stopping) spawn(slot);
          }, delayMs),
        );
      },
    });
  };

  const lines = sharingLines(sharing, count);
  sharing.forEach((s, i) => {
    if (s.shared) logger.info({ route: s.route, shared: true }, lines[i] ?? '');
    else logger.warn({ route: s.route, shared: false }, lines[i] ?? '');
  });
  const failed = await new Promise<WorkerExit | undefined>((resolve) => {
    startup = { pending: count, connecting: count, resolve };
    for (const slot of slots) spawn(slot);
  });
  startup = undefined;
  if (failed) {
    stopping = true;
    logger.error(
      { code: failed.code, signal: failed.signal },
      'a worker failed to start; stopping the others',
    );
    for (const s of slots) s.signal('SIGTERM');
    await new Promise<void>((resolve) => {
      const check = (): void => (slots.some((s) => s.running) ? void setTimeout(check, 50) : resolve());
      check();
    });
    await http?.close();
    return failed.code === ExitCode.invalidConfig ? ExitCode.invalidConfig : ExitCode.fatal;
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: killing the workers and exiting without waiting');
      for (const s of slots) s.signal('SIGKILL');
      process.exit(ExitCode.fatal);
    }
    signalled = true;
    stopping = true;
    for (const timer of restartTimers.values()) clearTimeout(timer);
    restartTimers.clear();
    // The exit code is that of the drain: a worker that crashed earlier (and waited for its restart)
    // or finished by itself has nothing left to drain.
    for (const s of slots) if (!s.running) exits.delete(s.index);
    logger.info({ signal, workers: slots.map((s) => s.pid) }, 'signal received: draining every worker');
    for (const s of slots) s.signal('SIGTERM');
    // A worker that does not finish its drain in time is killed: the supervisor must end.
    setTimeout(() => {
      logger.error(
        { workers: slots.map((s) => s.pid) },
        'workers did not exit after the shutdown timeout; killing them',
      );
      for (const s of slots) s.signal('SIGKILL');
    }, config.shutdownTimeout + 15_000).unref();
    finishIfAllExited();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // SIGHUP / --watch: re-read the file, decide again where each route runs, hand every worker its part.
  const stopWatching = handleReloads({
    file: options.file,
    watch: options.watch === true,
    logger,
    apply: async (next) => {
      await logConfigWarnings(next, logger);
      if (next.config.workers !== options.config.workers)
        logger.warn(
          { workers: count },
          'a new worker count takes effect only on restart; the running workers stay',
        );
      const nextSharing = routeSharing(next.config, next.registry);
      for (const line of sharingLines(nextSharing, count)) logger.info({ reload: true }, line);
      config = next.config;
      sharing = nextSharing;
      const results = await Promise.allSettled(
        slots
          .filter((s) => s.running)
          .map((s) =>
            s.request(
              { type: 'apply', config: configForWorker(next.config, nextSharing, s.index, count) },
              120_000,
            ),
          ),
      );
      const failures = results.flatMap((r) =>
        r.status === 'rejected' ? [redactText(String(r.reason))] : [],
      );
      if (failures.length > 0) logger.error({ failures }, 'reload failed in some workers');
      else logger.info({ workers: count }, 'config applied in every worker');
    },
  });
  void done.then(stopWatching);
  logger.info(
    {
      config: options.file,
      routes: config.routes.map((r) => r.name),
      httpPort: http?.port,
      workers: count,
      pids: slots.map((s) => s.pid),
    },
    'bridge running',
  );
  return done;
}
