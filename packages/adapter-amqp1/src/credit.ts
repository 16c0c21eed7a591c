/**
 * How much link credit to add so that the deliveries the handler holds (`inFlight`) plus those the
 * broker may still send (`credit`) never exceed `maxInFlight`. 0 when nothing is to be added. Pure.
 */
export function creditToAdd(maxInFlight: number, inFlight: number, credit: number): number {
  return Math.max(0, maxInFlight - inFlight - Math.max(0, credit));
}
