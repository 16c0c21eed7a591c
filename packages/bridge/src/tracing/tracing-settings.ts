/** Tracing settings of a bridge process, from its config's `tracing:` block and the `OTEL_*` environment. */
export interface TracingSettings {
  /** Whether spans are recorded and exported at all. */
  readonly enabled: boolean;
  /** OTLP/HTTP protobuf traces endpoint (`…/v1/traces`); `undefined` lets the exporter read `OTEL_*`. */
  readonly endpoint: string | undefined;
  /** Fraction of new traces sampled, 0..1 (a message carrying a sampled context is always followed). */
  readonly sampleRatio: number;
  /** `service.name` of the spans. */
  readonly serviceName: string;
}

/** The config's `tracing:` block (every key optional). */
export interface TracingConfig {
  readonly enabled?: boolean;
  readonly endpoint?: string;
  readonly sampleRatio?: number;
  readonly serviceName?: string;
}

/**
 * Decides the tracing settings: the config block wins; otherwise tracing is on when the standard
 * environment names an OTLP endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`). `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off
 * whatever the config says. The ratio comes from the config, else `OTEL_TRACES_SAMPLER_ARG`, else 1.
 * Pure.
 */
export function tracingSettings(
  config: TracingConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): TracingSettings {
  const disabled = env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER === 'none';
  const envEndpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? undefined
      : `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  const enabled = !disabled && (config?.enabled ?? envEndpoint !== undefined);
  const envRatio = Number(env.OTEL_TRACES_SAMPLER_ARG);
  const sampleRatio =
    config?.sampleRatio ?? (Number.isFinite(envRatio) && env.OTEL_TRACES_SAMPLER_ARG ? envRatio : 1);
  return {
    enabled,
    endpoint: config?.endpoint ?? envEndpoint,
    sampleRatio: Math.min(1, Math.max(0, sampleRatio)),
    serviceName: config?.serviceName ?? env.OTEL_SERVICE_NAME ?? 'polybus',
  };
}
