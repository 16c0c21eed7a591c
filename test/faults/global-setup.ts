import { clearResults, writeReport } from './report.js';

/** Vitest global setup of the fault suite: a clean results dir before, the merged report after. */
export default function setup(): () => void {
  clearResults();
  return () => {
    const rows = writeReport();
    console.log(`[faults] report: ${rows.length} rows, ${rows.filter((r) => !r.passed).length} failing`);
  };
}
