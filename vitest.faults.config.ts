import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fault suite (`npm run test:faults`): scenarios in `test/faults/scenarios/` against the real
 * bridge process and the real brokers, one file at a time. Its global setup merges the per-scenario
 * results into `test/faults/report.json` and `docs/reliability.md`.
 */
export default mergeConfig(
  { ...base, test: { ...base.test, projects: undefined } },
  defineConfig({
    test: {
      name: 'faults',
      include: ['test/faults/scenarios/**/*.test.ts'],
      exclude: ['**/node_modules/**'],
      globalSetup: ['test/faults/global-setup.ts'],
      fileParallelism: false,
      testTimeout: 600_000,
      hookTimeout: 120_000,
    },
  }),
);
