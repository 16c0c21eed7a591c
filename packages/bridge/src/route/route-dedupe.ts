import {
  type Address,
  AddressError,
  ConfigError,
  isMessageReader,
  type Logger,
  redactText,
  type Transport,
} from '@polybus/core';
import { backoffDelay, delay } from '@polybus/core/adapter-kit';
import type { RouteConfig } from '../config/schema.js';
import { DedupeWindow } from './dedupe-window.js';

/** Reads of the sink tried before `seed` gives up. */
const SEED_ATTEMPTS = 6;

/**
 * A route's duplicate filter (`routes[].dedupe`): a {@link DedupeWindow} of the ids the route moved,
 * plus the ids in flight, so two copies of one id never go out side by side.
 */
export interface RouteDedupe {
  /**
   * Fills the window from the sink (`seed: sink`): reads it whole without consuming it and keeps its
   * last `count` ids, as moved now (a sink the reader reports as not existing, AddressError, holds
   * nothing). Other read errors are retried (6 reads, backoff from 250 ms); rejects with the last
   * one, or with ConfigError when the sink cannot be read at all. Call before the route subscribes.
   */
  seed(): Promise<number>;
  /**
   * Resolves true when the message may go on (its id is now in flight), false for a duplicate (an
   * id moved within the window). A copy of an id in flight waits for that copy's {@link finish}.
   */
  admit(id: string): Promise<boolean>;
  /** Ends the in-flight copy of `id`; `moved` (every sink confirmed it) puts the id in the window. */
  finish(id: string, moved: boolean): void;
}

/** The duplicate filter of a route, or undefined when the route has none. Does no I/O until `seed`. */
export function createRouteDedupe(
  config: RouteConfig,
  sink: { transport: Transport; address: Address } | undefined,
  logger: Logger,
): RouteDedupe | undefined {
  const settings = config.dedupe;
  if (settings === undefined) return undefined;
  const window = new DedupeWindow({ windowMs: settings.window, maxIds: settings.count });
  const inFlight = new Map<string, { done: Promise<void>; release: () => void }>();
  return {
    async seed() {
      if (settings.seed === 'none') return 0;
      const transport = sink?.transport;
      if (!sink || !transport || !isMessageReader(transport))
        throw new ConfigError(
          `route ${config.name}: dedupe seed "sink" needs a first sink that can be read (Kafka, Redis stream, JetStream); write seed: none to dedupe within one process only`,
        );
      const started = Date.now();
      let read = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          read = 0;
          for await (const record of transport.read(sink.address)) {
            window.add(record.message.id);
            read++;
          }
          break;
        } catch (error) {
          // A sink that does not exist yet (a Kafka topic, a JetStream stream before the first publish) holds nothing.
          if (error instanceof AddressError) {
            logger.info(
              { route: config.name, err: redactText(error.message) },
              'dedupe: the sink holds nothing yet',
            );
            break;
          }
          // Anything else may be passing (a topic created a moment ago has no partition metadata yet).
          if (attempt >= SEED_ATTEMPTS) throw error;
          logger.warn(
            { route: config.name, attempt, err: redactText(String(error)) },
            'dedupe: reading the sink failed; retrying',
          );
          await delay(backoffDelay(attempt, { initialDelayMs: 250, maxDelayMs: 4000 }));
        }
      }
      logger.info(
        { route: config.name, read, remembered: window.size, ms: Date.now() - started },
        'dedupe window seeded from the sink',
      );
      return read;
    },
    async admit(id) {
      for (;;) {
        if (window.has(id)) return false;
        const current = inFlight.get(id);
        if (current === undefined) {
          let release!: () => void;
          const done = new Promise<void>((resolve) => {
            release = resolve;
          });
          inFlight.set(id, { done, release });
          return true;
        }
        await current.done;
      }
    },
    finish(id, moved) {
      if (moved) window.add(id);
      const current = inFlight.get(id);
      inFlight.delete(id);
      current?.release();
    },
  };
}
