import { ecsFormat } from '@elastic/ecs-pino-format';
import type { LoggerOptions } from 'pino';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { REDACTED, withoutRequestCredentials, withoutSecrets } from './log-redaction';
import { logSamplingHooks, processLogSamplingStats, type LogSamplingStats } from './log-sampling';
import { mergeRequestLogFields, requestLogFields } from './request-log-fields';

/**
 * ECS field names with service name, version and environment on every line, secrets redacted, and the
 * trace and request the line is written for (`requestLogFields`: `trace.id`, `span.id`, `http.request.id`,
 * the request's `@LogContext` ids).
 */
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
      // A request or response logged directly becomes ECS fields here, its credentials censored.
      log: (object: Record<string, unknown>) => withoutRequestCredentials(ecsLog(withoutSecrets(object))),
    },
    mixin: requestLogFields,
    mixinMergeStrategy: mergeRequestLogFields,
    level: options.logging.level,
    // pino's path redaction only for paths an application adds: it runs on every child logger's bindings.
    ...(options.logging.redactPaths.length > 0 && {
      redact: { paths: [...options.logging.redactPaths], censor: REDACTED },
    }),
  } satisfies LoggerOptions;
}

/**
 * The application logger's options: `ecsLoggerOptions`, and with a `samplingRatio` below 1 the `info` and
 * `debug` lines of that share of traces only (`logSamplingHooks`), the request's own lines and its access
 * line (`AccessLog`) following one decision. The audit stream has a logger of its own, never sampled.
 */
export function appLoggerOptions(
  options: ResolvedObservabilityOptions,
  samplingRatio?: number,
  samplingStats: LogSamplingStats = processLogSamplingStats,
): LoggerOptions {
  const hooks = logSamplingHooks(samplingRatio, samplingStats);
  return { ...ecsLoggerOptions(options), ...(hooks && { hooks }) };
}
