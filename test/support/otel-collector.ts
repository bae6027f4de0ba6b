import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort } from '../../tooling/free-port';
import { startServerProcess, type ServerProcess } from '../../tooling/processes';
import { requireServer } from '../../tooling/real-servers';
import { REPO_ROOT } from '../../tooling/repo-root';
import { untilOtlpAccepts } from './jaeger';

/** The Collector configuration compose and Kubernetes run, used here unchanged. */
export const COLLECTOR_CONFIG = path.join(REPO_ROOT, 'ops/otel-collector/config.yaml');

export interface OtelCollector {
  /** OTLP/HTTP endpoint for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends `/v1/traces`). */
  otlpEndpoint: string;
  /** OTLP/gRPC endpoint (`host:port`). */
  otlpGrpcEndpoint: string;
  /** The Collector's own metrics (its `service.telemetry` Prometheus reader). */
  metricsUrl: string;
  /** Its own metrics in the Prometheus text format; `accept` picks another exposition format. */
  metrics(accept?: string): Promise<string>;
  /** What it logged so far (the last 16 KB). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The OpenTelemetry Collector of `ops/otel-collector/config.yaml`, run by the Jaeger v2 binary (a Collector
 * distribution with the same contrib components, built by scripts/test-servers.sh): its receivers and its
 * metrics on free 127.0.0.1 ports, exporting to `jaegerOtlpEndpoint` (an OTLP/HTTP base URL), with `env`
 * for the configuration's other variables (TAIL_SAMPLING_*, COLLECTOR_*). Resolves once its metrics are
 * served and its OTLP/HTTP receiver accepts an (empty) export.
 */
export async function startOtelCollector(
  jaegerOtlpEndpoint: string,
  env: Record<string, string> = {},
): Promise<OtelCollector> {
  const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const otlpEndpoint = `http://127.0.0.1:${httpPort}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const server: ServerProcess = await startServerProcess(
    requireServer('jaeger'),
    [`--config=file:${COLLECTOR_CONFIG}`],
    {
      env: {
        COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
        COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
        COLLECTOR_TELEMETRY_HOST: '127.0.0.1',
        COLLECTOR_TELEMETRY_PORT: String(metricsPort),
        COLLECTOR_LOG_LEVEL: 'warn',
        JAEGER_OTLP_ENDPOINT: jaegerOtlpEndpoint,
        ...env,
      },
      readyUrl: metricsUrl,
      timeoutMs: 30_000,
    },
  );
  await untilOtlpAccepts(otlpEndpoint, server);
  return {
    otlpEndpoint,
    otlpGrpcEndpoint: `127.0.0.1:${grpcPort}`,
    metricsUrl,
    metrics: async (accept = 'text/plain') => (await fetch(metricsUrl, { headers: { accept } })).text(),
    output: () => server.output(),
    stop: async () => {
      await server.stop();
    },
  };
}

/** One span as it went through to the Collector. */
export interface RelayedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** `service.name` of the resource that exported it. */
  service: string;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** Milliseconds since the epoch (fractional). */
  startMs: number;
  endMs: number;
}

export interface OtlpRelay {
  /** OTLP/HTTP endpoint for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every span the Collector accepted (answered 2xx for), by trace id, in arrival order. */
  traces: Map<string, RelayedSpan[]>;
  /** When the last export went through (ms since the epoch; 0 before any). */
  lastExportAt(): number;
  /** Export requests the Collector did not accept, with its answer. */
  refusals: Array<{ status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP hop in front of a Collector: each trace export is forwarded as it came (same body, same
 * content type and encoding) and the Collector's answer returned, so the exporters see the Collector;
 * on the way it records which spans of which trace the Collector accepted. That is the reference a trace
 * kept in Jaeger is compared with: the spans the processes really exported for it.
 */
export async function startOtlpRelay(upstream: string): Promise<OtlpRelay> {
  const traces = new Map<string, RelayedSpan[]>();
  const refusals: OtlpRelay['refusals'] = [];
  let lastExportAt = 0;
  const server: Server = createServer((request, response) => {
    void relay(request)
      .then(({ status, headers, body }) => response.writeHead(status, headers).end(body))
      .catch((error: unknown) => response.writeHead(502).end(String(error)));
  });
  const relay = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const contentType = request.headers['content-type'] ?? 'application/x-protobuf';
    const encoding = request.headers['content-encoding'];
    const answer = await fetch(`${upstream}${request.url ?? '/v1/traces'}`, {
      method: request.method,
      headers: { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) },
      body: request.method === 'POST' ? raw : undefined,
    });
    const body = Buffer.from(await answer.arrayBuffer());
    if (request.method === 'POST' && request.url === '/v1/traces') {
      if (answer.ok) {
        const decoded = encoding === 'gzip' ? gunzipSync(raw) : raw;
        const spans = contentType.includes('json') ? spansOfJson(decoded) : spansOfProtobuf(decoded);
        for (const span of spans) {
          const list = traces.get(span.traceId) ?? [];
          list.push(span);
          traces.set(span.traceId, list);
        }
        lastExportAt = Date.now();
      } else refusals.push({ status: answer.status, body: body.toString('utf8') });
    }
    return {
      status: answer.status,
      headers: { 'content-type': answer.headers.get('content-type') ?? contentType },
      body,
    };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    traces,
    lastExportAt: () => lastExportAt,
    refusals,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/* An OTLP ExportTraceServiceRequest in the protobuf wire format: only the fields read here. */

interface Field {
  number: number;
  /** Varint and fixed values. */
  value?: bigint;
  /** Length-delimited values (messages, strings, bytes). */
  bytes?: Buffer;
}

function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const key = Number(varint());
    const [number, wireType] = [key >>> 3, key & 7];
    if (wireType === 0) out.push({ number, value: varint() });
    else if (wireType === 1) {
      out.push({ number, value: buffer.readBigUInt64LE(offset) });
      offset += 8;
    } else if (wireType === 2) {
      const length = Number(varint());
      out.push({ number, bytes: buffer.subarray(offset, offset + length) });
      offset += length;
    } else if (wireType === 5) {
      out.push({ number, value: BigInt(buffer.readUInt32LE(offset)) });
      offset += 4;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return out;
}

const message = (list: Field[], number: number) => list.filter((f) => f.number === number && f.bytes);
const hex = (bytes?: Buffer) => (bytes && bytes.length > 0 ? bytes.toString('hex') : undefined);
const nanosToMs = (nanos?: bigint) => Number(nanos ?? 0n) / 1e6;

function spansOfProtobuf(body: Buffer): RelayedSpan[] {
  // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.resource = 1, .scope_spans = 2;
  // Resource.attributes = 1 (KeyValue: key = 1, value = 2: AnyValue.string_value = 1);
  // ScopeSpans.spans = 2; Span: trace_id 1, span_id 2, parent_span_id 4, name 5, start 7, end 8,
  // status 15 (Status.code = 3).
  return message(fields(body), 1).flatMap((resourceSpans) => {
    const rs = fields(resourceSpans.bytes!);
    const attributes = message(rs, 1).flatMap((resource) => message(fields(resource.bytes!), 1));
    const serviceName = attributes
      .map((kv) => fields(kv.bytes!))
      .find((kv) => message(kv, 1)[0]?.bytes?.toString('utf8') === 'service.name');
    const service = serviceName
      ? (message(fields(message(serviceName, 2)[0].bytes!), 1)[0]?.bytes?.toString('utf8') ?? '')
      : '';
    return message(rs, 2).flatMap((scopeSpans) =>
      message(fields(scopeSpans.bytes!), 2).map((spanField) => {
        const span = fields(spanField.bytes!);
        const one = (n: number) => span.find((f) => f.number === n);
        const status = message(span, 15)[0];
        return {
          traceId: hex(one(1)?.bytes)!,
          spanId: hex(one(2)?.bytes)!,
          parentSpanId: hex(one(4)?.bytes),
          name: one(5)?.bytes?.toString('utf8') ?? '',
          service,
          statusCode: status ? Number(fields(status.bytes!).find((f) => f.number === 3)?.value ?? 0n) : 0,
          startMs: nanosToMs(one(7)?.value),
          endMs: nanosToMs(one(8)?.value),
        };
      }),
    );
  });
}

function spansOfJson(body: Buffer): RelayedSpan[] {
  const request = JSON.parse(body.toString('utf8'));
  return (request.resourceSpans ?? []).flatMap((rs: any) => {
    const service =
      (rs.resource?.attributes ?? []).find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '';
    return (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map((s: any) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        name: s.name,
        service,
        statusCode: s.status?.code ?? 0,
        startMs: Number(s.startTimeUnixNano) / 1e6,
        endMs: Number(s.endTimeUnixNano) / 1e6,
      })),
    );
  });
}
