/**
 * `POLYBUS_FAULT_WORKERS`: run every bridge of the fault suite as `polybus run --workers N` (default
 * 1: one process, no supervisor). Rows of such a run are recorded as `<case> w<N>` so they sit beside
 * the single-process rows in the report instead of replacing them.
 */
export const FAULT_WORKERS = Math.max(1, Number(process.env.POLYBUS_FAULT_WORKERS ?? '1') || 1);

/** The report's case name of a row for the current {@link FAULT_WORKERS}. */
export const workersCase = (name: string): string => (FAULT_WORKERS > 1 ? `${name} w${FAULT_WORKERS}` : name);
