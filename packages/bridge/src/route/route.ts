// Over 300 lines: createRoute wires the route's parts (pipeline, sink publisher, failure policy, metrics,
// lag, ledger, dedupe, rate limit) and keeps its one lifecycle (subscribe, resubscribe, pause, stop) in a
// single closure over shared state; each job itself lives in its own module beside this one.
import {
  ConfigError,
  capabilitiesOf,
  cloudEventsBindingFor,
  type Delivery,
  describeAddress,
  type Logger,
  type Message,
  redactText,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { backoffDelay, delay } from '@polybus/core/adapter-kit';
import { endpointAddress } from '../config/endpoint.js';
import type { RouteConfig } from '../config/schema.js';
import type { BridgeMetrics } from '../metrics.js';
import { expressionLimitsOf } from './expression-limits.js';
import { errorText, FailurePolicy } from './failure-policy.js';
import type { LagSnapshot } from './lag-monitor.js';
import { createLagMonitor, type LastMoved, lagStatus, lastMovedOf } from './lag-wiring.js';
import { MessageFailure } from './message-failure.js';
import { createPipeline } from './pipeline.js';
import { RateLimiter } from './rate-limiter.js';
import { backoffOptions } from './retry.js';
import { createRouteDedupe } from './route-dedupe.js';
import { createRouteLedger } from './route-ledger.js';
import { type RouteCounters, RouteMetrics } from './route-metrics.js';
import { RouteTracing } from './route-tracing.js';
import { createSink, type Sink } from './sink.js';
import { SinkPublisher } from './sink-publisher.js';
import { startOption, startPosition } from './start-position.js';
import { type Verdict, Verdicts } from './verdict.js';

export type { RouteCounters } from './route-metrics.js';

/** Lifecycle state of a route, as `/routes` and `/health/ready` report it. */
export type RouteState = 'starting' | 'running' | 'paused' | 'failed' | 'stopping' | 'stopped';

/** What `/routes` shows for one route. */
export interface RouteStatus {
  readonly name: string;
  readonly state: RouteState;
  readonly detail?: string;
  readonly inFlight: number;
  readonly counters: Readonly<RouteCounters>;
  /** Present (true) once a finite source (`stdio://`) reached its end and all it read is settled. */
  readonly inputEnded?: true;
  /** The source group's lag as the broker last reported it (absent where the broker reports none). */
  readonly lag?: LagSnapshot;
  /** True when the broker reports lag 0 and nothing is in flight (`isDrained`); absent without lag. */
  readonly drained?: boolean;
  /** The last message moved (acked after every sink confirmed). */
  readonly lastMoved?: LastMoved;
}

/** What a route needs: its config, the connected transports by connection name, metrics and a logger. */
export interface RouteDependencies {
  readonly config: RouteConfig;
  readonly connections: ReadonlyMap<string, Transport>;
  readonly metrics: BridgeMetrics;
  readonly logger: Logger;
  /**
   * Whether the process traces (an OpenTelemetry SDK is registered): the route then records a
   * consumer span per delivery, stage spans and producer spans. @defaultValue false (no wrapper at all)
   */
  readonly tracing?: boolean;
}

/** A running route. */
export interface Route {
  readonly name: string;
  /** Subscribes to the source; resolves once the subscription is established. Rejects if it cannot be. */
  start(): Promise<void>;
  /**
   * Stops intake and waits (up to `timeoutMs`) for in-flight messages to be published and acked; the
   * rest stay unacked for the broker to redeliver. Safe to call twice; never rejects.
   */
  stop(timeoutMs: number): Promise<void>;
  /**
   * Stops intake without stopping the route: closes the subscription after its in-flight messages
   * were settled (up to `timeoutMs`; the rest stay unacked for the broker to redeliver), state
   * `paused`. Resolves once drained. A no-op when paused or stopping; safe to call twice.
   */
  pause(timeoutMs: number): Promise<void>;
  /**
   * Subscribes again after {@link Route.pause} (retrying with the route's backoff if the source
   * refuses). Resolves once subscribed, or at once when not paused. Never rejects.
   */
  resume(): Promise<void>;
  /**
   * True once the source reported the end of its input (a `stdio://` source at EOF) and every
   * message it delivered is settled. Always false for sources that never end.
   */
  inputEnded(): boolean;
  status(): RouteStatus;
}

/** A subscription whose input can end (`stdio://` at EOF): `inputEnded` once every line it read is settled. */
export interface FiniteSubscription extends Subscription {
  readonly inputEnded: boolean;
}

/** Whether `subscription` is a {@link FiniteSubscription}. */
export function isFiniteSubscription(subscription: Subscription): subscription is FiniteSubscription {
  return typeof (subscription as Partial<FiniteSubscription>).inputEnded === 'boolean';
}

/** A failed publish as a {@link MessageFailure} (the publisher throws those; anything else is a bug). */
function asPublishFailure(error: unknown): MessageFailure {
  return error instanceof MessageFailure ? error : new MessageFailure(error, 'transport', 'publish', 1);
}

/**
 * Creates a route: `from -> filter -> transform -> to[] (when)` with retry and dead-letter, acking
 * the source only after every selected sink confirmed. Compiles every expression once; does no I/O
 * until {@link Route.start}.
 *
 * The jobs live in their own modules: the pipeline (filter, transform, `when`), the sink publisher
 * (size check, waiting on a reconnecting sink, retry), the failure policy (dead-letter or nack) and
 * the route metrics. Each returns what should happen; `settle` below is the one place that acks or
 * nacks a source delivery.
 */
export function createRoute(deps: RouteDependencies): Route {
  const { config, connections, logger } = deps;
  const name = config.name;
  const source = connections.get(config.from.connection);
  if (!source) throw new ConfigError(`route ${name}: unknown connection ${config.from.connection}`);
  const sourceAddress = endpointAddress(config.from);
  const sourceLabel = `${config.from.connection}/${describeAddress(sourceAddress)}`;
  const sourceBinding = cloudEventsBindingFor(source.scheme);
  const sourceMode = config.from.cloudEvents === 'off' ? undefined : config.from.cloudEvents;
  const tracing = deps.tracing ? new RouteTracing(name, source.scheme, sourceAddress) : undefined;
  const limits = expressionLimitsOf(config.limits);
  const sinks = config.to.map((endpoint, i) => createSink(connections, endpoint, i, sourceBinding, limits));
  const pipeline = createPipeline({
    filter: config.filter,
    transform: config.transform,
    targets: sinks,
    cloudEvents:
      sourceMode === undefined
        ? { binding: sourceBinding }
        : { binding: sourceBinding, required: sourceMode },
    tracer: tracing,
    limits,
  });
  const involved = new Set([
    config.from.connection,
    ...config.to.map((t) => t.connection),
    ...(config.deadLetter ? [config.deadLetter.connection] : []),
  ]);
  const metrics = new RouteMetrics(
    deps.metrics,
    name,
    sinks.map((s) => s.label),
  );
  const abort = new AbortController();
  const publisher = new SinkPublisher({
    route: name,
    retry: config.retry,
    signal: abort.signal,
    logger,
    tracing,
  });
  const policy = new FailurePolicy({
    route: name,
    sourceLabel,
    deadLetter: config.deadLetter ? createSink(connections, config.deadLetter, -1) : undefined,
    publisher,
    retry: config.retry,
    sourceNackDelay: () => capabilitiesOf(source, sourceAddress).nackDelay,
    signal: abort.signal,
    metrics,
    logger,
  });
  const limiter = config.rateLimit ? new RateLimiter(config.rateLimit) : undefined;
  const lag = createLagMonitor(source, sourceAddress, config, deps.metrics, logger);
  const ledger = createRouteLedger(config, logger, () => metrics.error('ledger'));
  const firstSink = config.to[0];
  const dedupe = createRouteDedupe(
    config,
    firstSink && connections.has(firstSink.connection)
      ? { transport: connections.get(firstSink.connection) as Transport, address: endpointAddress(firstSink) }
      : undefined,
    logger,
  );
  /**
   * The last delivery moved and when (epoch ms): kept as they are per message and turned into a
   * {@link LastMoved} only when `status()` asks (building it per message cost 1-2% of a busy bridge).
   */
  let lastMoved: { delivery: Delivery; at: number } | undefined;
  let subscription: Subscription | undefined;
  let state: RouteState = 'starting';
  let detail: string | undefined;
  let stopping: Promise<void> | undefined;
  /** Set while paused by an operator: intake closed on purpose, no resubscribe. */
  let paused = false;

  /**
   * Publishes to every selected sink; resolves with the failure that decides the message's fate
   * (a transport failure over a message fault: retrying may still deliver it), or none.
   * A sink's publish is counted once the message is done with every sink.
   */
  const publishAll = async (
    selected: readonly Sink[],
    message: Message,
  ): Promise<MessageFailure | undefined> => {
    if (selected.length === 1) {
      // One sink (the common case): no allSettled array and result objects per message.
      const sink = selected[0] as Sink;
      try {
        await publisher.publish(sink, message, 'publish');
      } catch (error) {
        return asPublishFailure(error);
      }
      metrics.published(sink.index);
      return undefined;
    }
    const results = await Promise.allSettled(selected.map((s) => publisher.publish(s, message, 'publish')));
    let failure: MessageFailure | undefined;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') metrics.published((selected[i] as Sink).index);
      else {
        const reason = asPublishFailure(result.reason);
        if (!failure || (reason.kind === 'transport' && failure.kind === 'message')) failure = reason;
      }
    });
    return failure;
  };

  /** What to do with a delivery: runs the pipeline, publishes, applies the failure policy. Settles nothing. */
  const decide = async (delivery: Delivery): Promise<Verdict> => {
    if (pipeline.forwardsAll) {
      const failure = await publishAll(sinks, delivery.message);
      return failure ? policy.decide(delivery, failure) : Verdicts.published;
    }
    const step = await pipeline.run(delivery.message);
    if (step.verdict === 'filtered') return Verdicts.filtered;
    const failure = step.verdict === 'failed' ? step.failure : await publishAll(step.targets, step.message);
    return failure ? policy.decide(delivery, failure) : Verdicts.published;
  };

  /** The one place that acks or nacks a source delivery. Never rejects. */
  const settle = async (delivery: Delivery, verdict: Verdict, started: number): Promise<void> => {
    if (verdict.action === 'leave') return;
    if (verdict.action === 'nack') {
      metrics.nacked();
      const options =
        verdict.delayMs === undefined ? { requeue: true } : { requeue: true, delayMs: verdict.delayMs };
      await delivery.nack(options).catch((error: unknown) => {
        metrics.error('nack');
        logger.warn({ route: name, err: String(error) }, 'nack failed');
      });
      return;
    }
    if (verdict.outcome === 'filtered') metrics.filtered();
    else if (verdict.outcome === 'dead-lettered') metrics.deadLettered();
    else if (verdict.outcome === 'duplicate') deps.metrics.duplicatesDropped.inc({ route: name });
    if (ledger && verdict.outcome === 'published') await ledger.record(delivery);
    try {
      await delivery.ack();
      metrics.acked((performance.now() - started) / 1000);
      if (verdict.outcome === 'published') {
        if (lastMoved === undefined) lastMoved = { delivery, at: Date.now() };
        else {
          lastMoved.delivery = delivery;
          lastMoved.at = Date.now();
        }
      }
    } catch (error) {
      metrics.error('ack');
      logger.warn(
        { route: name, messageId: delivery.message.id, err: redactText(String(error)) },
        'ack failed; the source will redeliver',
      );
    }
  };

  const handle = async (delivery: Delivery): Promise<void> => {
    if (limiter) {
      const wait = limiter.delayFor(delivery.message.body.byteLength);
      if (wait > 0) await delay(wait, abort.signal);
    }
    const started = performance.now();
    metrics.received();
    // With dedupe: a copy of an id moved within the window is acked without publishing.
    const id = delivery.message.id;
    let admitted = false;
    let verdict: Verdict = Verdicts.nack;
    try {
      if (dedupe) admitted = await dedupe.admit(id);
      if (dedupe && !admitted) verdict = Verdicts.duplicate;
      else {
        try {
          verdict = await decide(delivery);
        } catch (error) {
          // Not expected (every step returns its failures): give the message back rather than lose it.
          logger.error({ route: name, err: errorText(error) }, 'route failed to decide; nacking');
          verdict = Verdicts.nack;
        }
      }
      await settle(delivery, verdict, started);
    } finally {
      if (admitted) dedupe?.finish(id, verdict.action === 'ack' && verdict.outcome === 'published');
      metrics.done();
    }
  };

  /** The source's handler: `handle`, inside a consumer span per delivery when the process traces. */
  const traced = tracing ? tracing.wrapSource(sourceAddress, handle) : handle;

  const subscribe = async (): Promise<void> => {
    const opened = await source.subscribe(sourceAddress, traced, {
      maxInFlight: config.maxInFlight,
      ...(config.from.group === undefined ? {} : { group: config.from.group }),
      ...startOption(
        startPosition(config.from.startFrom, config.from.group, capabilitiesOf(source, sourceAddress)),
      ),
    });
    if (paused || stopping) {
      // Paused or stopped while subscribing: this subscription is not wanted any more.
      await opened.close({ timeoutMs: 1000 });
      return;
    }
    subscription = opened;
    state = 'running';
    detail = undefined;
    const current = subscription;
    void current.closed.then((error) => {
      if (stopping || paused || subscription !== current) return;
      state = 'failed';
      detail = error ? redactText(error.message) : 'subscription ended';
      logger.error({ route: name, err: detail }, 'route subscription ended; resubscribing');
      void resubscribe();
    });
  };

  const sourceEnded = (): boolean =>
    subscription !== undefined && isFiniteSubscription(subscription) && subscription.inputEnded;

  const resubscribe = async (): Promise<void> => {
    for (let attempt = 1; !stopping && !paused; attempt++) {
      await delay(backoffDelay(attempt, backoffOptions(config.retry)), abort.signal);
      if (stopping || paused) return;
      try {
        await subscribe();
        logger.info({ route: name }, 'route resubscribed');
        return;
      } catch (error) {
        detail = errorText(error);
        logger.warn({ route: name, attempt, err: detail }, 'resubscribe failed');
      }
    }
  };

  return {
    name,
    async start() {
      state = 'starting';
      try {
        await ledger?.open();
        await dedupe?.seed();
        await subscribe();
      } catch (error) {
        state = 'failed';
        detail = errorText(error);
        throw error;
      }
      logger.info({ route: name, from: sourceLabel, to: sinks.map((s) => s.label) }, 'route started');
      lag?.start();
    },
    stop(timeoutMs) {
      stopping ??= (async () => {
        state = 'stopping';
        lag?.stop();
        // After the shutdown timeout, retries stop waiting: their messages stay unacked for redelivery.
        const timer = setTimeout(() => abort.abort(), timeoutMs);
        try {
          await subscription?.close({ timeoutMs });
        } catch {
          // Subscription.close never rejects by contract; nothing to do.
        }
        clearTimeout(timer);
        abort.abort();
        await ledger?.close();
        state = 'stopped';
      })();
      return stopping;
    },
    async pause(timeoutMs) {
      if (stopping || paused) return;
      paused = true;
      state = 'paused';
      detail = 'paused by an operator';
      const current = subscription;
      subscription = undefined;
      await current?.close({ timeoutMs });
      logger.info({ route: name }, 'route paused');
    },
    async resume() {
      if (stopping || !paused) return;
      paused = false;
      try {
        await subscribe();
        logger.info({ route: name }, 'route resumed');
      } catch (error) {
        state = 'failed';
        detail = errorText(error);
        logger.warn({ route: name, err: detail }, 'resume failed; retrying');
        await resubscribe();
      }
    },
    inputEnded: sourceEnded,
    status() {
      let current = state;
      let why = detail;
      if (state === 'running') {
        for (const connection of involved) {
          const health = connections.get(connection)?.health();
          if (health && health.state !== 'up') {
            current = 'paused';
            why = `connection ${connection} is ${health.state}`;
            break;
          }
        }
      }
      return {
        name,
        state: current,
        ...(why === undefined ? {} : { detail: why }),
        inFlight: metrics.inFlight,
        counters: metrics.snapshot(),
        ...(sourceEnded() ? { inputEnded: true as const } : {}),
        ...lagStatus(lag, metrics.inFlight),
        ...(lastMoved === undefined ? {} : { lastMoved: lastMovedOf(lastMoved.delivery, lastMoved.at) }),
      };
    },
  };
}
