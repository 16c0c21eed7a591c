import { ClosedError, type Delivery, type Logger, redactText } from '@polybus/core';
import type { RouteConfig } from '../config/schema.js';
import { LedgerWriter } from '../verify/ledger.js';
import { positionOf } from './lag-wiring.js';

/**
 * A route's ledger (`routes[].ledger`): one line per message moved, written and fsynced before the
 * source is acked, so `polybus verify` can check a sink against a source that cannot be read again
 * (a RabbitMQ queue the bridge drained).
 */
export interface RouteLedger {
  /** Opens (or continues) the file. Rejects on I/O errors. Call before the route subscribes. */
  open(): Promise<void>;
  /**
   * Records the source message of `delivery` (as received, before any transform) and fsyncs it
   * (concurrent calls share one fsync). Never rejects: an I/O error is reported through `onError`
   * and the message is still acked (a missing line shows up as an `extra` sink message in verify,
   * never as a lost one).
   */
  record(delivery: Delivery): Promise<void>;
  /** Flushes and closes the file. Safe to call twice; never rejects. */
  close(): Promise<void>;
}

/** The ledger of a route, or undefined when the route has none. Does no I/O until `open`. */
export function createRouteLedger(
  config: RouteConfig,
  logger: Logger,
  onError: () => void,
): RouteLedger | undefined {
  const settings = config.ledger;
  if (settings === undefined) return undefined;
  let writer: LedgerWriter | undefined;
  return {
    async open() {
      writer ??= await LedgerWriter.open(settings.path, { route: config.name });
    },
    async record(delivery) {
      try {
        if (!writer) throw new ClosedError('ledger is not open');
        writer.append(delivery.message, positionOf(delivery));
        await writer.flush();
      } catch (error) {
        onError();
        logger.error({ route: config.name, err: redactText(String(error)) }, 'ledger write failed');
      }
    },
    async close() {
      const current = writer;
      writer = undefined;
      await current?.close().catch((error: unknown) => {
        logger.warn({ route: config.name, err: redactText(String(error)) }, 'ledger close failed');
      });
    },
  };
}
