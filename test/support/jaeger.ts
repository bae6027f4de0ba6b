import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../tooling/free-port';
import { requireServer } from '../../tooling/real-servers';
import { startServerProcess, type ServerProcess } from '../../tooling/processes';
import { waitFor } from '../../tooling/wait-for';

/** A span as Jaeger's query API (`/api/traces/<id>`) returns it, with its process and parent resolved. */
export interface JaegerSpan {
  traceId: string;
  spanId: string;
  /** The CHILD_OF reference; undefined for a root span. */
  parentSpanId?: string;
  operationName: string;
  /** `service.name` of the process that reported the span. */
  service: string;
  /** Tags by key (Jaeger adds `span.kind`, `otel.scope.name`, `otel.status_code`, `error`…). */
  tags: Record<string, unknown>;
  /** Microseconds since the epoch. */
  startTime: number;
  /** What Jaeger found wrong with the span (e.g. `invalid parent span IDs`, clock skew). */
  warnings: string[];
}

export interface Jaeger {
  /** OTLP/HTTP endpoint for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends `/v1/traces`). */
  otlpEndpoint: string;
  /** Base URL of the query service's HTTP API (the one Jaeger UI reads). */
  queryUrl: string;
  /** Services Jaeger has received spans from. */
  services(): Promise<string[]>;
  /** Trace ids of recent traces holding a span of `service` (optionally named `operation`). */
  traceIds(
    service: string,
    options?: { operation?: string; tags?: Record<string, string> },
  ): Promise<string[]>;
  /** Every span of one trace (empty when Jaeger does not know it yet). */
  trace(traceId: string): Promise<JaegerSpan[]>;
  stop(): Promise<void>;
}

interface RawTrace {
  traceID: string;
  spans: Array<{
    traceID: string;
    spanID: string;
    operationName: string;
    references?: Array<{ refType: string; traceID: string; spanID: string }>;
    startTime: number;
    tags?: Array<{ key: string; value: unknown }>;
    processID: string;
    warnings?: string[] | null;
  }>;
  processes: Record<string, { serviceName: string }>;
}

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (response.status === 404) return { data: [] } as T;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function spansOf(trace: RawTrace): JaegerSpan[] {
  return trace.spans.map((span) => ({
    traceId: span.traceID,
    spanId: span.spanID,
    parentSpanId: span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID,
    operationName: span.operationName,
    service: trace.processes[span.processID]?.serviceName,
    tags: Object.fromEntries((span.tags ?? []).map((tag) => [tag.key, tag.value])),
    startTime: span.startTime,
    warnings: span.warnings ?? [],
  }));
}

/**
 * Jaeger v2 (`cmd/jaeger`, an OpenTelemetry Collector distribution) as a real process: an OTLP/HTTP
 * receiver, in-memory trace storage and the query service's HTTP API, each on a free 127.0.0.1 port, from
 * a minimal configuration file of its own (the built-in all-in-one configuration binds fixed ports on
 * localhost: 4317/4318, 16686, 8888…, which parallel test runs would fight over). Resolves once both the
 * query API and the OTLP receiver answer.
 */
/**
 * Waits until the OTLP/HTTP receiver at `otlpEndpoint` accepts an (empty) export; stops `server` and
 * throws, with the server's output, when it does not within 30 s.
 */
export async function untilOtlpAccepts(otlpEndpoint: string, server: ServerProcess): Promise<void> {
  await waitFor(
    () =>
      fetch(`${otlpEndpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
    30_000,
    100,
  ).catch(async (error: unknown) => {
    await server.stop();
    throw new Error(`${String(error)}\n${server.output()}`);
  });
}

export async function startJaeger(): Promise<Jaeger> {
  const binary = requireServer('jaeger');
  const dir = await mkdtemp(path.join(tmpdir(), 'orders-jaeger-'));
  const [otlpPort, queryHttpPort, queryGrpcPort] = [await freePort(), await freePort(), await freePort()];
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      },
      // No self-metrics endpoint (it would bind :8888); warnings and errors only.
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      jaeger_storage: { backends: { memory_store: { memory: { max_traces: 100_000 } } } },
      jaeger_query: {
        storage: { traces: 'memory_store' },
        http: { endpoint: `127.0.0.1:${queryHttpPort}` },
        grpc: { endpoint: `127.0.0.1:${queryGrpcPort}` },
      },
    },
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${otlpPort}` } } } },
    // A short batch timeout: spans become searchable ~100 ms after they arrive, not 200 ms+.
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memory_store' } },
  };
  const configFile = path.join(dir, 'jaeger.yaml');
  await writeFile(configFile, stringify(config));

  const otlpEndpoint = `http://127.0.0.1:${otlpPort}`;
  const queryUrl = `http://127.0.0.1:${queryHttpPort}`;
  let server: ServerProcess;
  try {
    server = await startServerProcess(binary, [`--config=file:${configFile}`], {
      readyUrl: `${queryUrl}/api/services`,
      timeoutMs: 30_000,
    });
    // The receiver starts after the extensions: wait until it accepts an (empty) export too.
    await untilOtlpAccepts(otlpEndpoint, server);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    otlpEndpoint,
    queryUrl,
    services: async () => (await get<{ data: string[] | null }>(`${queryUrl}/api/services`)).data ?? [],
    traceIds: async (service, options = {}) => {
      const params = new URLSearchParams({ service, limit: '1000', lookback: '1h' });
      if (options.operation) params.set('operation', options.operation);
      if (options.tags) params.set('tags', JSON.stringify(options.tags));
      const { data } = await get<{ data: RawTrace[] | null }>(`${queryUrl}/api/traces?${params.toString()}`);
      return (data ?? []).map((t) => t.traceID);
    },
    trace: async (traceId) => {
      const { data } = await get<{ data: RawTrace[] | null }>(`${queryUrl}/api/traces/${traceId}`);
      return (data ?? []).flatMap(spansOf);
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
