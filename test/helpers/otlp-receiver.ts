import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
// The OTLP protobuf classes generated from the official opentelemetry-proto definitions, as shipped by
// @opentelemetry/otlp-transformer 0.52 (later releases dropped the request decoders).
import protos from 'otlp-transformer-protos/build/src/generated/root.js';

/** One span as the receiver decoded it. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | { toNumber(): number };
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

function anyValue(value: AnyValue | undefined): string | number | boolean {
  if (value?.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value?.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value?.doubleValue !== undefined && value.doubleValue !== null) return value.doubleValue;
  const int = value?.intValue;
  if (int !== undefined && int !== null) return typeof int === 'number' ? int : int.toNumber();
  return '';
}

const attributesOf = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

/**
 * A real OTLP/HTTP protobuf trace receiver on 127.0.0.1 (a random port): it decodes each
 * `ExportTraceServiceRequest` with the official message definitions and keeps the spans. For tests.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly #server: Server;
  #waiters: Array<() => void> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(): Promise<OtlpReceiver> {
    const { ExportTraceServiceRequest, ExportTraceServiceResponse } =
      protos.opentelemetry.proto.collector.trace.v1;
    let receiver: OtlpReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const request = ExportTraceServiceRequest.decode(body) as unknown as {
          resourceSpans?: Array<{
            resource?: { attributes?: KeyValue[] };
            scopeSpans?: Array<{
              spans?: Array<{
                traceId?: Uint8Array;
                spanId?: Uint8Array;
                parentSpanId?: Uint8Array;
                name?: string;
                kind?: number;
                attributes?: KeyValue[];
              }>;
            }>;
          }>;
        };
        for (const rs of request.resourceSpans ?? []) {
          const serviceName = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? [])
              receiver?.spans.push({
                traceId: hex(span.traceId),
                spanId: hex(span.spanId),
                parentSpanId: hex(span.parentSpanId),
                name: span.name ?? '',
                kind: span.kind ?? 0,
                serviceName,
                attributes: attributesOf(span.attributes),
              });
        }
        for (const wake of receiver?.#waiters.splice(0) ?? []) wake();
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end(Buffer.from(ExportTraceServiceResponse.encode({}).finish()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new OtlpReceiver(server);
    return receiver;
  }

  /** The traces endpoint to give an exporter. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1/traces`;
  }

  /** Resolves once `predicate` holds for the spans received, or rejects after `timeoutMs`. */
  async waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `OTLP receiver: condition not met; spans: ${this.spans.map((s) => s.name).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
