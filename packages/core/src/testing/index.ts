/**
 * `@polybus/core/testing`: the conformance suite every adapter runs against its real broker, and the
 * small helpers its tests use. Needs vitest (a peer dependency).
 */

export { brokerAvailable, requireBroker } from './broker-gate.js';
export { Collector, deferred, uniqueName } from './collector.js';
export type { ConformanceOptions } from './conformance.js';
export { describeConformance } from './conformance.js';
export { expectCrlfHeaderRefused } from './header-policy.js';
export type { RestartUnderLoadOptions, RestartUnderLoadResult } from './restart-under-load.js';
export { restartUnderLoad, until } from './restart-under-load.js';
