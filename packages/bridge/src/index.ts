/**
 * `@polybus/bridge`: the bridge service (config, route engine, HTTP health and metrics) and the
 * `stdio://` adapter. The CLI is `polybus` (`main(argv, io)` in `cli/main.ts`; `cli.ts` is its bin).
 */
export type { AdapterTableEntry, LazyBrokerAdapter } from './adapter-loader.js';
export {
  ADAPTER_TABLE,
  builtInAdapters,
  LAZY_BROKER_ADAPTERS,
  loadBridgeRegistry,
  loadBrokerAdapters,
} from './adapter-loader.js';
export { brokerAdapters, createBridgeRegistry } from './adapters.js';
export type { BridgeOptions, RunningBridge } from './bridge.js';
export { startBridge } from './bridge.js';
export { configJsonSchema } from './config/config-json-schema.js';
export type { ConfigProblem } from './config/config-problem.js';
export { ConfigFileError, formatProblem } from './config/config-problem.js';
export { endpointAddress } from './config/endpoint.js';
export { substituteEnv, substituteString } from './config/env.js';
export type {
  LoadConfigFileOptions,
  LoadConfigOptions,
  LoadedConfig,
  LoadedConfigFile,
  RegistryForSchemes,
} from './config/load-config.js';
export { connectionSchemes, loadConfig, parseConfig } from './config/load-config.js';
export type { BridgeConfig, RouteConfig, SinkConfig, SourceConfig } from './config/schema.js';
export { configSchema } from './config/schema.js';
export { durationSchema, parseDuration } from './duration.js';
export type { HealthSource, HttpServer } from './http/server.js';
export { startHttpServer } from './http/server.js';
export { createLogger } from './logger.js';
export type { BridgeMetrics } from './metrics.js';
export { createMetrics } from './metrics.js';
export { decodeBody, encodeJsonBody } from './route/body-codec.js';
export { DeadLetterHeaders, deadLetterMessage } from './route/dead-letter.js';
export type { CompiledExpression, ExpressionContext } from './route/expressions.js';
export { compileExpression, expressionContext, isTruthy } from './route/expressions.js';
export type { ErrorStage, Stage } from './route/message-failure.js';
export { MessageFailure } from './route/message-failure.js';
export type { RetryPolicy } from './route/retry.js';
export { backoffOptions, nextRetryDelay } from './route/retry.js';
export type { Route, RouteCounters, RouteState, RouteStatus } from './route/route.js';
export { createRoute } from './route/route.js';
export { compileTransform } from './route/transform.js';
export type { Verdict } from './route/verdict.js';
export {
  createStdioAdapter,
  stdioAdapter,
  stdioAddressSchema,
  stdioOptionsSchema,
} from './stdio/stdio-adapter.js';
export { StdioTransport } from './stdio/stdio-transport.js';
export type { RunningTracing } from './tracing/start-tracing.js';
export { startTracing } from './tracing/start-tracing.js';
export type { TracingConfig, TracingSettings } from './tracing/tracing-settings.js';
export { tracingSettings } from './tracing/tracing-settings.js';
