/**
 * The benchmark's OTLP receiver, run as its own process by lib/trace-sink.mjs: an HTTP server on
 * 127.0.0.1 (a random port) that accepts OTLP/HTTP protobuf trace exports on POST /v1/traces, counts
 * the requests, bytes and spans, and discards them (answers 200 with an empty
 * ExportTraceServiceResponse, i.e. everything accepted). GET /stats returns the counts as JSON.
 * Reports `{ ready: true, port }` over IPC once listening; exits when its parent disconnects.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const stats = { requests: 0, bytes: 0, spans: 0, rejected: 0 };

/** Reads a protobuf varint at `at`; returns [value, next offset]. */
function varint(buf, at) {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = buf[i++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, i];
    shift += 7;
  }
}

/**
 * Calls `onField(fieldNumber, bytes)` for each length-delimited field of the protobuf message in
 * `buf` and skips the other wire types. Enough to walk ExportTraceServiceRequest (1: resource_spans)
 * -> ResourceSpans (2: scope_spans) -> ScopeSpans (2: spans).
 */
function eachField(buf, onField) {
  let i = 0;
  while (i < buf.length) {
    const [tag, afterTag] = varint(buf, i);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    i = afterTag;
    if (wire === 0) i = varint(buf, i)[1];
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const [length, start] = varint(buf, i);
      onField(field, buf.subarray(start, start + length));
      i = start + length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

function countSpans(request) {
  let spans = 0;
  eachField(request, (f1, resourceSpans) => {
    if (f1 !== 1) return;
    eachField(resourceSpans, (f2, scopeSpans) => {
      if (f2 !== 2) return;
      eachField(scopeSpans, (f3) => {
        if (f3 === 2) spans += 1;
      });
    });
  });
  return spans;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    try {
      let body = Buffer.concat(chunks);
      stats.bytes += body.length;
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      stats.spans += countSpans(body);
      stats.requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    } catch {
      stats.rejected += 1;
      res.writeHead(400).end();
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, port: server.address().port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
