import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Teardown } from './teardown';

const gunzipAsync = promisify(gunzip);

export interface OtlpReceived {
  requests: number;
  /** Bytes on the wire (compressed when the exporter compresses). */
  bytes: number;
  spans: number;
}

export interface OtlpSink {
  /** For `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  endpoint: string;
  /** Export requests, bytes and spans received so far. */
  received(): OtlpReceived;
}

/**
 * A collector stand-in: reads each OTLP/HTTP trace export (protobuf or JSON, gzipped or not), counts its
 * spans and answers 200, keeping only counts.
 */
export async function startOtlpSink(teardown: Teardown): Promise<OtlpSink> {
  const received: OtlpReceived = { requests: 0, bytes: 0, spans: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const decoded =
        request.headers['content-encoding'] === 'gzip' ? gunzipAsync(body) : Promise.resolve(body);
      decoded
        .then((payload) => {
          received.spans += String(request.headers['content-type']).includes('json')
            ? countJsonSpans(payload)
            : countProtobufSpans(payload);
          received.requests += 1;
          const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          const delay = Number(process.env.SINK_DELAY_MS ?? 0);
          if (delay) setTimeout(answer, delay);
          else answer();
        })
        .catch(() => response.writeHead(400).end());
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown.defer('close the OTLP sink', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => ({ ...received }),
  };
}

function countJsonSpans(payload: Buffer): number {
  const body = JSON.parse(payload.toString('utf8')) as {
    resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }>;
  };
  return (body.resourceSpans ?? [])
    .flatMap((r) => r.scopeSpans ?? [])
    .reduce((sum, scope) => sum + (scope.spans?.length ?? 0), 0);
}

/**
 * Spans in an `ExportTraceServiceRequest` without decoding them: the request's field 1 holds
 * `ResourceSpans`, whose field 2 holds `ScopeSpans`, whose field 2 holds one `Span` each.
 */
function countProtobufSpans(payload: Buffer): number {
  let spans = 0;
  for (const resourceSpans of lengthDelimited(payload, 1))
    for (const scopeSpans of lengthDelimited(resourceSpans, 2))
      spans += lengthDelimited(scopeSpans, 2).length;
  return spans;
}

/** The length-delimited values of field `field` in one protobuf message. */
function lengthDelimited(message: Buffer, field: number): Buffer[] {
  const values: Buffer[] = [];
  let offset = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (offset < message.length) {
    const key = varint();
    const wireType = key & 7;
    if (wireType === 0) varint();
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const length = varint();
      if (Math.floor(key / 8) === field) values.push(message.subarray(offset, offset + length));
      offset += length;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return values;
}
