import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from './tracing-settings.js';

/** A running tracing SDK. */
export interface RunningTracing {
  /** Exports what is buffered and stops the SDK. Safe to call twice; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK for this process: a Node tracer provider (async-hooks context, so a
 * delivery's span is the parent of the route's stage spans), parent-based ratio sampling, a batch
 * processor exporting OTLP over HTTP/protobuf, and the W3C trace-context and baggage propagators that
 * polybus's messaging spans inject into and extract from message headers. Returns `undefined` (and
 * registers nothing) when `settings.enabled` is false. Call once per process.
 */
export function startTracing(settings: TracingSettings): RunningTracing | undefined {
  if (!settings.enabled) return undefined;
  const exporter = new OTLPTraceExporter(settings.endpoint === undefined ? {} : { url: settings.endpoint });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  let stopped: Promise<void> | undefined;
  return {
    shutdown: () => {
      stopped ??= provider.shutdown().catch(() => undefined);
      return stopped;
    },
  };
}
