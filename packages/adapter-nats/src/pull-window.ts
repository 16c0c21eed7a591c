/**
 * Most unacked messages one JetStream pull subscription holds (with the handler plus waiting for a free
 * slot): `2 * maxInFlight`, but not past the durable's `maxAckPending` (the server would not deliver them,
 * and a pull would wait for them until it expires) unless `maxInFlight` alone is larger; `maxAckPending`
 * <= 0 (no limit) leaves `2 * maxInFlight`. Pure.
 */
export function pullLimit(maxInFlight: number, maxAckPending: number): number {
  const ahead = 2 * maxInFlight;
  return maxAckPending > 0 ? Math.max(maxInFlight, Math.min(ahead, maxAckPending)) : ahead;
}

/**
 * How many messages the next JetStream pull of a subscription asks for, so that the next messages are
 * already on their way while the current ones are with the handler (one pull per `maxInFlight`
 * messages, overlapping the handlers' work, instead of a pull round trip after every settled batch).
 *
 * `held` is what this member holds unacked: deliveries with the handler plus messages received and
 * waiting for a free slot. The member may hold up to `limit` (see {@link pullLimit}; at most
 * `maxInFlight` of them with the handler); the next pull asks for the room left, once that room is at
 * least a quarter of `maxInFlight` (any room when nothing is held), so pulls stay large. Returns 0 when
 * the caller should wait for settlements first. Pure.
 */
export function nextPullSize(maxInFlight: number, held: number, limit = 2 * maxInFlight): number {
  const room = limit - held;
  const minimum = held === 0 ? 1 : Math.max(1, Math.floor(maxInFlight / 4));
  return room >= minimum ? room : 0;
}
