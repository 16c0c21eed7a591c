import { type LagReport, lagReport } from '@polybus/core';
import type { JetStreamManager } from 'nats';
import { JsErrCode, jsErrCode } from './nats-errors.js';

/** The consumer-info numbers lag needs. */
export interface ConsumerNumbers {
  readonly name: string;
  /** Messages matching the filter not yet delivered (`num_pending`). */
  readonly numPending: number;
  /** Delivered and not yet acknowledged (`num_ack_pending`). */
  readonly numAckPending: number;
  /** Stream sequence below which everything is acknowledged (`ack_floor.stream_seq`). */
  readonly ackFloor: number;
}

/** The lag report of one durable consumer: `num_pending` waiting + `num_ack_pending` in flight. Pure. */
export function consumerLagReport(numbers: ConsumerNumbers): LagReport {
  return lagReport([
    {
      name: numbers.name,
      total: numbers.numPending + numbers.numAckPending,
      waiting: numbers.numPending,
      inFlight: numbers.numAckPending,
      position: String(numbers.ackFloor),
    },
  ]);
}

/** Messages of `stream` on `subject` (wildcards summed) from a stream info with a subjects filter. */
async function subjectMessages(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  let count = 0;
  for (const n of Object.values(info.state.subjects ?? {})) count += n;
  return count;
}

/**
 * The lag of the durable consumer `durable` (the group's) on `stream`: consumer info `num_pending`
 * + `num_ack_pending`, one request. A consumer that does not exist yet is reported with
 * `groupExists: false` and the count of the stream's messages on `subject` (stream info with a
 * subjects filter), what a new group starting at `earliest` would receive.
 */
export async function fetchJetStreamLag(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
  durable: string,
): Promise<LagReport> {
  try {
    const info = await jsm.consumers.info(stream, durable);
    return consumerLagReport({
      name: durable,
      numPending: info.num_pending,
      numAckPending: info.num_ack_pending,
      ackFloor: info.ack_floor.stream_seq,
    });
  } catch (error) {
    if (jsErrCode(error) !== JsErrCode.consumerNotFound) throw error;
  }
  const count = await subjectMessages(jsm, stream, subject);
  return lagReport([{ name: durable, total: count, waiting: count, inFlight: 0 }], { groupExists: false });
}
