import { prepareResults, writeReport } from './report.js';

/**
 * Vitest global setup of the fault suite: after the run, the rows its scenarios wrote are merged into
 * the report. Result files are never deleted, so two runs at once cannot lose each other's rows.
 */
export default function setup(): () => void {
  const startedAt = prepareResults();
  return () => {
    const rows = writeReport(startedAt);
    console.log(`[faults] report: ${rows.length} rows, ${rows.filter((r) => !r.passed).length} failing`);
  };
}
