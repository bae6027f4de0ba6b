import type { IncomingMessage, ServerResponse } from 'node:http';
import { ecsFormat } from '@elastic/ecs-pino-format';
import type { Options } from 'pino-http';
import type { ResolvedObservabilityOptions } from '../observability.options';
import {
  credentialSafeSerializers,
  REDACTED,
  withoutCredentialHeaders,
  withoutSecrets,
} from './log-redaction';
import { logSamplingHooks, processLogSamplingStats, type LogSamplingStats } from './log-sampling';
import { requestIdFrom } from './request-id';

const QUIET_PATHS = /^\/(health\/|metrics)/;

/** ECS field names with service name, version and environment on every line, and secrets redacted. */
export function ecsLoggerOptions(options: ResolvedObservabilityOptions, eventDataset = options.serviceName) {
  const ecs = ecsFormat({
    eventDataset,
    apmIntegration: false,
    convertReqRes: true,
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    serviceEnvironment: options.environment,
  });
  const { log: ecsLog } = ecs.formatters as Required<NonNullable<typeof ecs.formatters>>;
  return {
    ...ecs,
    formatters: {
      ...ecs.formatters,
      // Secret fields are removed from the lines written, not on the way (bindings carry ids, not payloads).
      log: (object: Record<string, unknown>) => withoutCredentialHeaders(ecsLog(withoutSecrets(object))),
    },
    // Credential headers and query parameters of the access log's request and response.
    serializers: credentialSafeSerializers,
    level: options.logging.level,
    // pino's path redaction only for paths an application adds: it runs on every child logger's bindings.
    ...(options.logging.redactPaths.length > 0 && {
      redact: { paths: [...options.logging.redactPaths], censor: REDACTED },
    }),
  };
}

/**
 * pino-http: one `request completed` line per request (successful probes and scrapes excluded), at `warn` for 4xx
 * and `error` for 5xx, with a request id taken from `X-Request-Id` when the caller sent a sane one.
 * Trace and span ids are added by the OpenTelemetry pino instrumentation (`trace.id`, `span.id`).
 *
 * With a `samplingRatio` below 1, the `info` and `debug` lines of that share of traces only are written
 * (`logSamplingHooks`): this is the application logger, of which every per-request logger is a child, so the
 * request's own lines and its `request completed` line follow one decision. The audit stream has a logger
 * of its own, never sampled.
 */
export function pinoHttpOptions(
  options: ResolvedObservabilityOptions,
  samplingRatio?: number,
  samplingStats: LogSamplingStats = processLogSamplingStats,
): Options {
  const hooks = logSamplingHooks(samplingRatio, samplingStats);
  return {
    ...ecsLoggerOptions(options),
    ...(hooks && { hooks }),
    // Fastify assigns its own request ids (configure it with `requestIdFrom`); this serves Express.
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const id = requestIdFrom(request.headers);
      response.setHeader('x-request-id', id);
      return id;
    },
    // Probes and scrapes that succeed are not logged (they come every few seconds). A failing one is, at
    // `warn`: readiness answers 503 by design while the process drains or a dependency is down.
    customLogLevel: (request, response, error) => {
      // `originalUrl`: the middleware's catch-all mount rewrites `url` to the part after the mount point.
      const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '';
      const quiet = QUIET_PATHS.test(url);
      if (error || response.statusCode >= 500) return quiet ? 'warn' : 'error';
      if (response.statusCode >= 400) return 'warn';
      return quiet ? 'silent' : 'info';
    },
    quietReqLogger: true,
  };
}
