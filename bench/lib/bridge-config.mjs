import { brokers } from '../brokers/index.mjs';

/** The JSONata transform of the transform runs: keeps seq/ts first, re-encodes the body as JSON. */
export const TRANSFORM_BODY = '{ "seq": body.seq, "ts": body.ts, "pad": body.pad, "via": "polybus" }';

/**
 * The `polybus.yaml` of one benchmark run: one route from `from` on the pair's source broker to `to`
 * on its sink broker (two connections, as the baseline pipe has), `maxInFlight`, the JSONata body
 * transform when `transform` is set, and adapter options per broker (`connectionOptions`, e.g.
 * `{ nats: { confirmAcks: false } }`), and a `tracing:` block exporting to `tracing.endpoint` with
 * `tracing.sampleRatio` when `tracing` is given. Returned as YAML text (JSON is valid YAML). Pure.
 */
export function bridgeConfig({
  pair,
  from,
  to,
  maxInFlight,
  transform,
  httpPort,
  connectionOptions = {},
  tracing,
}) {
  const connection = (broker) =>
    connectionOptions[broker]
      ? { url: brokers[broker].url, options: connectionOptions[broker] }
      : brokers[broker].url;
  const route = {
    name: 'bench',
    from: { connection: 'source', ...brokers[pair.source].bridgeSource(from) },
    to: [{ connection: 'sink', ...brokers[pair.sink].bridgeSink(to) }],
    maxInFlight,
  };
  if (transform) route.transform = { body: TRANSFORM_BODY };
  const config = {
    connections: { source: connection(pair.source), sink: connection(pair.sink) },
    http: { host: '127.0.0.1', port: httpPort },
    shutdownTimeout: '10s',
    ...(tracing
      ? {
          tracing: {
            enabled: true,
            endpoint: tracing.endpoint,
            sampleRatio: tracing.sampleRatio,
            serviceName: 'polybus-bench',
          },
        }
      : {}),
    routes: [route],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
