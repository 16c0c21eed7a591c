import {
  type Address,
  backoffDelay,
  ConfigError,
  capabilitiesOf,
  type Delivery,
  delay,
  describeAddress,
  type Logger,
  type Message,
  MessageTooLargeError,
  redactText,
  type Subscription,
  type Transport,
} from '@polybus/core';
import { endpointAddress } from '../config/endpoint.js';
import type { RouteConfig } from '../config/schema.js';
import type { BridgeMetrics } from '../metrics.js';
import { deadLetterMessage } from './dead-letter.js';
import {
  type CompiledExpression,
  compileExpression,
  type ExpressionContext,
  expressionContext,
  isTruthy,
} from './expressions.js';
import { classifyFailure, type FailureKind, nextRetryDelay } from './retry.js';
import { SinkBatcher } from './sink-batcher.js';
import { type CompiledTransform, compileTransform } from './transform.js';

/** Lifecycle state of a route, as `/routes` and `/health/ready` report it. */
export type RouteState = 'starting' | 'running' | 'paused' | 'failed' | 'stopping' | 'stopped';

/** Counters of one route since the bridge started. */
export interface RouteCounters {
  received: number;
  published: number;
  filtered: number;
  deadLettered: number;
  nacked: number;
  acked: number;
  errors: number;
}

/** What `/routes` shows for one route. */
export interface RouteStatus {
  readonly name: string;
  readonly state: RouteState;
  readonly detail?: string;
  readonly inFlight: number;
  readonly counters: Readonly<RouteCounters>;
}

/** What a route needs: its config, the connected transports by connection name, metrics and a logger. */
export interface RouteDependencies {
  readonly config: RouteConfig;
  readonly connections: ReadonlyMap<string, Transport>;
  readonly metrics: BridgeMetrics;
  readonly logger: Logger;
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
  status(): RouteStatus;
}

interface Sink {
  readonly label: string;
  readonly connection: string;
  readonly transport: Transport;
  readonly address: Address;
  readonly batcher: SinkBatcher;
  readonly when: CompiledExpression | undefined;
  /** The sink's `maxMessageBytes`, read once on first publish (parsing an address per message is costly). */
  maxMessageBytes: number | undefined;
  /** Messages this sink confirmed (as a route sink; dead-letters count in `deadLettered`). */
  published: number;
}

/** A failure that decides the fate of a message. */
class MessageFailure {
  constructor(
    readonly error: unknown,
    readonly kind: FailureKind,
    readonly stage: string,
    readonly attempts: number,
  ) {}
}

/** A failed publish as a {@link MessageFailure} (publishWithRetry throws those; anything else is wrapped). */
function asPublishFailure(error: unknown): MessageFailure {
  return error instanceof MessageFailure
    ? error
    : new MessageFailure(error, classifyFailure(error), 'publish', 1);
}

function makeSink(
  connections: ReadonlyMap<string, Transport>,
  endpoint: RouteConfig['to'][number] | NonNullable<RouteConfig['deadLetter']>,
): Sink {
  const transport = connections.get(endpoint.connection);
  if (!transport) throw new ConfigError(`unknown connection ${endpoint.connection}`);
  const address = endpointAddress(endpoint);
  const when =
    'when' in endpoint && typeof endpoint.when === 'string' ? compileExpression(endpoint.when) : undefined;
  return {
    label: `${endpoint.connection}/${describeAddress(address)}`,
    connection: endpoint.connection,
    transport,
    address,
    batcher: new SinkBatcher(transport, address),
    when,
    maxMessageBytes: undefined,
    published: 0,
  };
}

/**
 * Creates a route: `from -> filter -> transform -> to[] (when)` with retry and dead-letter, acking
 * the source only after every selected sink confirmed. Compiles every expression once; does no I/O
 * until {@link Route.start}.
 */
export function createRoute(deps: RouteDependencies): Route {
  const { config, connections, metrics, logger } = deps;
  const name = config.name;
  const source = connections.get(config.from.connection);
  if (!source) throw new ConfigError(`route ${name}: unknown connection ${config.from.connection}`);
  const sourceAddress = endpointAddress(config.from);
  const sourceLabel = `${config.from.connection}/${describeAddress(sourceAddress)}`;
  const sinks = config.to.map((endpoint) => makeSink(connections, endpoint));
  const deadLetter = config.deadLetter ? makeSink(connections, config.deadLetter) : undefined;
  const filter = config.filter === undefined ? undefined : compileExpression(config.filter);
  const transform: CompiledTransform | undefined = config.transform
    ? compileTransform(config.transform)
    : undefined;
  const anyWhen = sinks.some((s) => s.when);
  const needsContext = filter !== undefined || transform !== undefined || anyWhen;
  const needsBody = Boolean(
    filter?.needsBody || transform?.needsBody || sinks.some((s) => s.when?.needsBody),
  );
  const whenNeedsBody = sinks.some((s) => s.when?.needsBody);
  const involved = new Set([
    config.from.connection,
    ...config.to.map((t) => t.connection),
    ...(config.deadLetter ? [config.deadLetter.connection] : []),
  ]);
  const counters: RouteCounters = {
    received: 0,
    published: 0,
    filtered: 0,
    deadLettered: 0,
    nacked: 0,
    acked: 0,
    errors: 0,
  };
  // prom-client hashes the labels on every update, bound child or not: the hot path counts in plain
  // numbers (counters, sink.published, inFlight) and the metrics catch up whenever they are read.
  const duration = metrics.duration.labels(name);
  const routeMetrics = {
    received: metrics.received.labels(name),
    filtered: metrics.filtered.labels(name),
    deadLettered: metrics.deadLettered.labels(name),
    inflight: metrics.inflight.labels(name),
    published: new Map(sinks.map((sink) => [sink, metrics.published.labels(name, sink.label)])),
  };
  const reported = { received: 0, filtered: 0, deadLettered: 0, published: new Map<Sink, number>() };
  metrics.onCollect(() => {
    // Only what changed, as the per-message updates did: a series appears with its first message.
    const catchUp = (counter: { inc(value: number): void }, now: number, before: number): number => {
      if (now > before) counter.inc(now - before);
      return now;
    };
    reported.received = catchUp(routeMetrics.received, counters.received, reported.received);
    reported.filtered = catchUp(routeMetrics.filtered, counters.filtered, reported.filtered);
    reported.deadLettered = catchUp(routeMetrics.deadLettered, counters.deadLettered, reported.deadLettered);
    for (const [sink, child] of routeMetrics.published)
      reported.published.set(sink, catchUp(child, sink.published, reported.published.get(sink) ?? 0));
    if (counters.received > 0) routeMetrics.inflight.set(inFlight);
  });
  const abort = new AbortController();
  let subscription: Subscription | undefined;
  let state: RouteState = 'starting';
  let detail: string | undefined;
  let inFlight = 0;
  let stopping: Promise<void> | undefined;

  const countError = (stage: string): void => {
    counters.errors++;
    metrics.errors.inc({ route: name, stage });
  };

  /** Waits while a connection is reconnecting (the route pauses instead of burning retry attempts). */
  const waitWhileReconnecting = async (transport: Transport): Promise<void> => {
    while (!abort.signal.aborted && transport.health().state === 'connecting') await delay(100, abort.signal);
  };

  /** Publishes to one sink with retry; resolves with the attempts used or throws a MessageFailure. */
  const publishWithRetry = async (sink: Sink, message: Message, stage: string): Promise<number> => {
    sink.maxMessageBytes ??= capabilitiesOf(sink.transport, sink.address).maxMessageBytes;
    const max = sink.maxMessageBytes;
    if (message.body.byteLength > max) {
      throw new MessageFailure(
        new MessageTooLargeError(
          `message ${message.id} is ${message.body.byteLength} bytes; ${sink.label} accepts at most ${max}`,
        ),
        'data',
        stage,
        1,
      );
    }
    for (let attempt = 1; ; attempt++) {
      // Checked here first: awaiting the helper costs a promise per message even when the sink is up.
      if (sink.transport.health().state === 'connecting') await waitWhileReconnecting(sink.transport);
      try {
        await sink.batcher.publish(message);
        return attempt;
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'data') throw new MessageFailure(error, 'data', stage, attempt);
        const wait = nextRetryDelay(attempt, config.retry);
        if (wait === undefined || abort.signal.aborted)
          throw new MessageFailure(error, 'transport', stage, attempt);
        logger.warn(
          {
            route: name,
            sink: sink.label,
            attempt,
            retryInMs: wait,
            err: redactText(error instanceof Error ? error.message : String(error)),
          },
          'publish failed, retrying',
        );
        await delay(wait, abort.signal);
        if (abort.signal.aborted) throw new MessageFailure(error, 'transport', stage, attempt);
      }
    }
  };

  const settleFailure = async (delivery: Delivery, failure: MessageFailure): Promise<boolean> => {
    const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
    countError(failure.stage);
    if (deadLetter && !abort.signal.aborted) {
      const letter = deadLetterMessage(delivery.message, {
        route: name,
        source: sourceLabel,
        attempts: failure.attempts,
        error: failure.error,
      });
      try {
        await publishWithRetry(deadLetter, letter, 'dead-letter');
        counters.deadLettered++;
        logger.warn(
          {
            route: name,
            messageId: delivery.message.id,
            kind: failure.kind,
            stage: failure.stage,
            attempts: failure.attempts,
            err: redactText(reason),
          },
          'message dead-lettered',
        );
        return true;
      } catch (dlqFailure) {
        countError('dead-letter');
        const why = dlqFailure instanceof MessageFailure ? dlqFailure.error : dlqFailure;
        logger.error(
          {
            route: name,
            messageId: delivery.message.id,
            err: redactText(why instanceof Error ? why.message : String(why)),
          },
          'dead-letter publish failed; message nacked back to its source',
        );
      }
    } else {
      logger.warn(
        {
          route: name,
          messageId: delivery.message.id,
          kind: failure.kind,
          stage: failure.stage,
          attempts: failure.attempts,
          err: redactText(reason),
        },
        'message could not be delivered; nacked back to its source',
      );
    }
    counters.nacked++;
    const canDelay = capabilitiesOf(source, sourceAddress).nackDelay;
    const delayMs = canDelay
      ? backoffDelay(delivery.attempt, {
          initialDelayMs: config.retry.initialDelay,
          maxDelayMs: config.retry.maxDelay,
        })
      : 0;
    await delivery.nack(canDelay ? { requeue: true, delayMs } : { requeue: true }).catch((error: unknown) => {
      countError('nack');
      logger.warn({ route: name, err: String(error) }, 'nack failed');
    });
    return false;
  };

  const processDelivery = async (delivery: Delivery): Promise<'acked' | 'nacked' | 'left'> => {
    const message = delivery.message;
    let stage = 'decode';
    try {
      let context: ExpressionContext | undefined = needsContext
        ? expressionContext(message, needsBody)
        : undefined;
      if (filter && context) {
        stage = 'filter';
        if (!isTruthy(await filter.evaluate(context))) {
          counters.filtered++;
          return 'acked';
        }
      }
      let out = message;
      if (transform && context) {
        stage = 'transform';
        out = await transform.apply(message, context);
        if (anyWhen && out !== message) context = expressionContext(out, whenNeedsBody);
      }
      stage = 'when';
      let selected = sinks;
      if (anyWhen && context) {
        const ctx = context;
        const verdicts = await Promise.all(
          sinks.map(async (s) => (s.when ? isTruthy(await s.when.evaluate(ctx)) : true)),
        );
        selected = sinks.filter((_s, i) => verdicts[i]);
      }
      if (selected.length === 0) {
        counters.filtered++;
        return 'acked';
      }
      stage = 'publish';
      let failure: MessageFailure | undefined;
      if (selected.length === 1) {
        // One sink (the common case): no allSettled array and result objects per message.
        const sink = selected[0] as Sink;
        try {
          await publishWithRetry(sink, out, 'publish');
          counters.published++;
          sink.published++;
        } catch (error) {
          failure = asPublishFailure(error);
        }
      } else {
        const results = await Promise.allSettled(selected.map((s) => publishWithRetry(s, out, 'publish')));
        results.forEach((result, i) => {
          const sink = selected[i] as Sink;
          if (result.status === 'fulfilled') {
            counters.published++;
            sink.published++;
          } else {
            const reason = asPublishFailure(result.reason);
            if (!failure || (reason.kind === 'transport' && failure.kind === 'data')) failure = reason;
          }
        });
      }
      if (!failure) return 'acked';
      if (abort.signal.aborted && failure.kind === 'transport') return 'left';
      return (await settleFailure(delivery, failure)) ? 'acked' : 'nacked';
    } catch (error) {
      const failure =
        error instanceof MessageFailure ? error : new MessageFailure(error, classifyFailure(error), stage, 1);
      if (failure.kind === 'transport' && abort.signal.aborted) return 'left';
      // An expression or decode error is about the data: never retried.
      const asData = new MessageFailure(
        failure.error,
        stage === 'publish' ? failure.kind : 'data',
        failure.stage,
        failure.attempts,
      );
      return (await settleFailure(delivery, asData)) ? 'acked' : 'nacked';
    }
  };

  const handle = async (delivery: Delivery): Promise<void> => {
    const started = performance.now();
    counters.received++;
    inFlight++;
    try {
      const outcome = await processDelivery(delivery);
      if (outcome === 'acked') {
        try {
          await delivery.ack();
          counters.acked++;
          duration.observe((performance.now() - started) / 1000);
        } catch (error) {
          countError('ack');
          logger.warn(
            { route: name, messageId: delivery.message.id, err: redactText(String(error)) },
            'ack failed; the source will redeliver',
          );
        }
      }
    } finally {
      inFlight--;
    }
  };

  const subscribe = async (): Promise<void> => {
    subscription = await source.subscribe(sourceAddress, handle, {
      maxInFlight: config.maxInFlight,
      ...(config.from.group === undefined ? {} : { group: config.from.group }),
      ...(config.from.startFrom === undefined ? {} : { from: config.from.startFrom }),
    });
    state = 'running';
    detail = undefined;
    const current = subscription;
    void current.closed.then((error) => {
      if (stopping || subscription !== current) return;
      state = 'failed';
      detail = error ? redactText(error.message) : 'subscription ended';
      logger.error({ route: name, err: detail }, 'route subscription ended; resubscribing');
      void resubscribe();
    });
  };

  const resubscribe = async (): Promise<void> => {
    for (let attempt = 1; !stopping; attempt++) {
      await delay(backoffDelay(attempt, { initialDelayMs: 500, maxDelayMs: 30_000 }), abort.signal);
      if (stopping) return;
      try {
        await subscribe();
        logger.info({ route: name }, 'route resubscribed');
        return;
      } catch (error) {
        detail = redactText(error instanceof Error ? error.message : String(error));
        logger.warn({ route: name, attempt, err: detail }, 'resubscribe failed');
      }
    }
  };

  return {
    name,
    async start() {
      state = 'starting';
      try {
        await subscribe();
      } catch (error) {
        state = 'failed';
        detail = redactText(error instanceof Error ? error.message : String(error));
        throw error;
      }
      logger.info({ route: name, from: sourceLabel, to: sinks.map((s) => s.label) }, 'route started');
    },
    stop(timeoutMs) {
      stopping ??= (async () => {
        state = 'stopping';
        // After the shutdown timeout, retries stop waiting: their messages stay unacked for redelivery.
        const timer = setTimeout(() => abort.abort(), timeoutMs);
        try {
          await subscription?.close({ timeoutMs });
        } catch {
          // Subscription.close never rejects by contract; nothing to do.
        }
        clearTimeout(timer);
        abort.abort();
        state = 'stopped';
      })();
      return stopping;
    },
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
        inFlight,
        counters: { ...counters },
      };
    },
  };
}
