import { HttpException } from '@nestjs/common';
import { DEFAULT_HEAP_USED_LIMIT_RATIO, heapThresholdForLimit } from './health/heap-threshold';

export interface MetricsOptions {
  /**
   * `false`: no metrics are served or recorded per request — no metrics server, no HTTP hooks, and
   * providers that honour `METRICS_ENABLED` (the SQL timing subscriber) stay detached.
   * @default true
   */
  enabled?: boolean;
  /**
   * Port of the dedicated metrics server (never the public API port). `null`: no dedicated server
   * (for example when the app serves `/metrics` itself on a management port, see `metricsRoute`).
   * @default 9464
   */
  port?: number | null;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default '/metrics' */
  path?: string;
  /**
   * Process and runtime metrics (CPU, memory, event-loop lag, GC).
   * @default true
   */
  defaultMetrics?: boolean;
  /**
   * Bucket bounds of HTTP latency histograms, in seconds.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  latencyBuckets?: number[];
  /**
   * The `outcome` label of `http_handler_outcomes_total` when a handler throws: a small, fixed set of
   * names, usually the error code the client reads (`OUT_OF_STOCK`, `ORDER_NOT_FOUND`…).
   * @default `HTTP_<status>` for an HttpException, `ERROR` for anything else
   */
  failureOutcomeOf?: (error: unknown) => string;
}

export interface HealthOptions {
  /**
   * Readiness fails when the event loop's p99 delay over the last 10 s exceeds this, in ms.
   * @default 1000
   */
  eventLoopDelayThresholdMs?: number;
  /**
   * The memory limit of the process's container, in bytes (in Kubernetes, the Downward API's
   * `limits.memory`). When set, the heap threshold is a share of it.
   * @default undefined (no known limit)
   */
  memoryLimitBytes?: number;
  /**
   * The share of `memoryLimitBytes` the V8 heap may use before readiness fails. The rest is for
   * what lives outside the heap (buffers, code, native memory), so readiness fails before the kernel
   * kills the container.
   * @default 0.7
   */
  heapUsedLimitRatio?: number;
  /**
   * Readiness fails when the V8 heap in use exceeds this, in bytes.
   * @default `heapUsedLimitRatio` × `memoryLimitBytes` when the limit is known, else 1610612736 (1.5 GiB)
   */
  heapUsedThresholdBytes?: number;
  /**
   * On shutdown, how long readiness reports 503 before the HTTP server stops accepting, in ms, so
   * load balancers and Kubernetes take the instance out of rotation first.
   * @default 5000
   */
  readinessDrainMs?: number;
}

export interface ElasticsearchLogOptions {
  /** Elasticsearch URL, e.g. `http://elasticsearch:9200`. */
  url: string;
  /**
   * Data streams `<prefix>-logs` and `<prefix>-audit` (ILM rolls their backing indices daily).
   * @default the service name
   */
  indexPrefix?: string;
  /**
   * How often buffered lines are sent, in milliseconds.
   * @default 2000
   */
  flushIntervalMs?: number;
}

export interface LoggingOptions {
  /** @default 'info' */
  /** `silent` turns off diagnostic logs and the audit stream (tests). */
  level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Extra pino redaction paths, added to the defaults (authorization and cookie headers, card numbers,
   * CVVs, passwords, tokens).
   * @default []
   */
  redactPaths?: string[];
  /** Ship logs to Elasticsearch as well as stdout. @default undefined (stdout only) */
  elasticsearch?: ElasticsearchLogOptions;
  /**
   * Share of traces whose `info`, `debug` and `trace` lines are written, decided by the trace id so that
   * a kept trace has all its lines; `warn` and above, the audit stream and lines outside a trace are
   * always written. 1: every line, with no sampling hook at all.
   * @default 1
   */
  samplingRatio?: number;
}

export interface ObservabilityModuleOptions {
  /** `service.name` on metrics, spans and log lines, e.g. `orders-api`. */
  serviceName: string;
  /**
   * @default '0.0.0'
   */
  serviceVersion?: string;
  /**
   * Deployment environment (`production`, `staging`, …).
   * @default 'development'
   */
  environment?: string;
  metrics?: MetricsOptions;
  health?: HealthOptions;
  logging?: LoggingOptions;
}

/** The outcome of a failed handler when the application does not name it. */
export function defaultFailureOutcome(error: unknown): string {
  return error instanceof HttpException ? `HTTP_${error.getStatus()}` : 'ERROR';
}

export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const OBSERVABILITY_DEFAULTS = {
  serviceVersion: '0.0.0',
  environment: 'development',
  metrics: {
    enabled: true,
    port: 9464,
    host: '0.0.0.0',
    path: '/metrics',
    defaultMetrics: true,
    latencyBuckets: DEFAULT_LATENCY_BUCKETS,
    failureOutcomeOf: defaultFailureOutcome,
  },
  logging: {
    level: 'info',
    redactPaths: [] as string[],
    elasticsearch: undefined as ElasticsearchLogOptions | undefined,
    samplingRatio: 1,
  },
  health: {
    eventLoopDelayThresholdMs: 1000,
    heapUsedLimitRatio: DEFAULT_HEAP_USED_LIMIT_RATIO,
    readinessDrainMs: 5000,
  },
} as const;

export type ResolvedObservabilityOptions = Required<
  Omit<ObservabilityModuleOptions, 'metrics' | 'health' | 'logging'>
> & {
  metrics: Required<MetricsOptions>;
  health: Required<Omit<HealthOptions, 'memoryLimitBytes'>> & Pick<HealthOptions, 'memoryLimitBytes'>;
  logging: Required<Omit<LoggingOptions, 'elasticsearch'>> & {
    elasticsearch?: Required<ElasticsearchLogOptions>;
  };
};

export function resolveObservabilityOptions(
  options: ObservabilityModuleOptions,
): ResolvedObservabilityOptions {
  return {
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion ?? OBSERVABILITY_DEFAULTS.serviceVersion,
    environment: options.environment ?? OBSERVABILITY_DEFAULTS.environment,
    metrics: { ...OBSERVABILITY_DEFAULTS.metrics, ...stripUndefined(options.metrics ?? {}) },
    health: resolveHealthOptions(options.health ?? {}),
    logging: {
      level: options.logging?.level ?? OBSERVABILITY_DEFAULTS.logging.level,
      redactPaths: options.logging?.redactPaths ?? [],
      samplingRatio: options.logging?.samplingRatio ?? OBSERVABILITY_DEFAULTS.logging.samplingRatio,
      elasticsearch: options.logging?.elasticsearch && {
        url: options.logging.elasticsearch.url,
        indexPrefix: options.logging.elasticsearch.indexPrefix ?? options.serviceName,
        flushIntervalMs: options.logging.elasticsearch.flushIntervalMs ?? 2000,
      },
    },
  };
}

function resolveHealthOptions(options: HealthOptions): ResolvedObservabilityOptions['health'] {
  const health = { ...OBSERVABILITY_DEFAULTS.health, ...stripUndefined(options) };
  return {
    ...health,
    heapUsedThresholdBytes:
      health.heapUsedThresholdBytes ??
      heapThresholdForLimit(health.memoryLimitBytes, health.heapUsedLimitRatio),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
